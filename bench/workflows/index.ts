/**
 * Cloudflare Workflows running the benchmark shapes, one `step.do` per step.
 *
 *   GET  /                                        plain Worker response
 *   POST /run?steps=N&wait_ms=W&fanout=K&poll_ms=P&first_poll_ms=F
 *        creates an instance and polls its status every P ms (default 2; the first poll after F ms,
 *        default P) until it is final; answers
 *        {id, status, output, create_to_complete_ms, polls}.
 *   POST /start?steps=N&wait_ms=W&fanout=K    creates an instance and answers {id} at once
 *   GET  /wait?id=I&poll_ms=P&first_poll_ms=F  polls that instance until it is final; answers as /run The shapes: N steps in a chain; with
 *        wait_ms, a `step.sleep` halfway (counted as a step); with fanout, a first step, K `step.do`
 *        under Promise.all, and a join step.
 *   POST /run?http=URL&key=K (also /start)
 *        the realistic shape, four `step.do`: a fetch of URL?n=1 (the HTTP stand-in's echo), an increment
 *        of K in a Durable Object (WorkflowStore) that stands in for the account's key-value store, a
 *        branch on the new value, and a pure computation of the output.
 */
import type { CounterStore, Incremented } from "../shared/counter-store";
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

interface Env {
  FLOW: Workflow<Params>;
  STORE: DurableObjectNamespace<CounterStore>;
}

interface Params {
  steps: number;
  waitMs: number;
  fanout: number;
  /** The realistic shape: the URL to fetch and the store key to increment. */
  realistic?: { url: string; key: string };
}

// The class is bound as WorkflowStore in wrangler.toml.
export { CounterStore as WorkflowStore } from "../shared/counter-store";

export class BenchFlow extends WorkflowEntrypoint<Env, Params> {
  override async run(event: Readonly<WorkflowEvent<Params>>, step: WorkflowStep): Promise<{ n: number }> {
    const { steps, waitMs, fanout, realistic } = event.payload;
    let value = { n: 0 };
    if (realistic) {
      const { url, key } = realistic;
      const fetched = await step.do("fetch", async () => {
        const response = await fetch(`${url}?n=${value.n + 1}`);
        if (!response.ok) throw new Error(`fetch ${url}: HTTP ${response.status}`);
        return { status: response.status, body: (await response.json()) as { query: { n: string } } };
      });
      const counted = await step.do("count", async (): Promise<Incremented> => {
        const { new_value, incremented } = await this.env.STORE.get(this.env.STORE.idFromName("default")).increment(key, 1);
        return { key, new_value, incremented };
      });
      const branch = await step.do("check", async () => (counted.new_value > 0 ? "counted" : "default"));
      if (branch !== "counted") return { n: -1 };
      return step.do("shape", async () => ({ n: Number(fetched.body.query.n) + counted.incremented + 2 }));
    }
    if (fanout > 0) {
      const start = await step.do("split", async () => ({ n: value.n + 1 }));
      const branches = await Promise.all(Array.from({ length: fanout }, (_, i) => step.do(`b${i}`, async () => ({ n: start.n + 1 }))));
      return step.do("join", async () => ({ n: branches.reduce((sum, b) => sum + b.n, 0) + 1 }));
    }
    const waitAt = waitMs > 0 ? Math.floor(steps / 2) : -1;
    for (let i = 0; i < steps; i++) {
      if (i === waitAt) {
        await step.sleep(`s${i}`, waitMs);
        continue;
      }
      const input = value;
      value = await step.do(`s${i}`, async () => ({ n: input.n + 1 }));
    }
    return value;
  }
}

const FINAL = new Set(["complete", "errored", "terminated"]);
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** Polls an instance until it is final. */
async function settle(instance: WorkflowInstance, started: number, firstPollMs: number, pollMs: number): Promise<Response> {
  let polls = 0;
  let delay = firstPollMs;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = pollMs;
    polls++;
    const status = await instance.status();
    if (FINAL.has(status.status)) {
      const body = {
        id: instance.id,
        status: status.status,
        output: status.output ?? null,
        error: status.error ?? null,
        create_to_complete_ms: Date.now() - started,
        polls,
      };
      return json(body, status.status === "complete" ? 200 : 500);
    }
  }
}

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/") return json({ ok: true });
    const n = (name: string, fallback = 0) => Number(url.searchParams.get(name) ?? fallback) || fallback;
    const http = url.searchParams.get("http");
    const realistic = http ? { url: http, key: url.searchParams.get("key") ?? "bench" } : undefined;
    const params = { steps: n("steps"), waitMs: n("wait_ms"), fanout: n("fanout"), realistic };
    const pollMs = n("poll_ms", 2);
    try {
      if (url.pathname === "/run") {
        const started = Date.now();
        const instance = await env.FLOW.create({ params });
        return await settle(instance, started, n("first_poll_ms", pollMs), pollMs);
      }
      if (url.pathname === "/start") return json({ id: (await env.FLOW.create({ params })).id });
      if (url.pathname === "/wait")
        return await settle(await env.FLOW.get(url.searchParams.get("id") ?? ""), Date.now(), n("first_poll_ms", pollMs), pollMs);
      return json({ error: "not found" }, 404);
    } catch (error) {
      return json({ error: String(error) }, 500);
    }
  },
} satisfies ExportedHandler<Env>;
