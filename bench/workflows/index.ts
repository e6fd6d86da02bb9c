/**
 * Cloudflare Workflows running the benchmark shapes, one `step.do` per step.
 *
 *   GET  /                                        plain Worker response
 *   POST /run?steps=N&wait_ms=W&fanout=K&poll_ms=P&first_poll_ms=F
 *        creates an instance and polls its status every P ms (default 2; the first poll after F ms,
 *        default P) until it is final; answers
 *        {id, status, output, create_to_complete_ms, polls}. The shapes: N steps in a chain; with
 *        wait_ms, a `step.sleep` halfway (counted as a step); with fanout, a first step, K `step.do`
 *        under Promise.all, and a join step.
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

interface Env {
  FLOW: Workflow<Params>;
}

interface Params {
  steps: number;
  waitMs: number;
  fanout: number;
}

export class BenchFlow extends WorkflowEntrypoint<Env, Params> {
  override async run(event: Readonly<WorkflowEvent<Params>>, step: WorkflowStep): Promise<{ n: number }> {
    const { steps, waitMs, fanout } = event.payload;
    let value = { n: 0 };
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
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/") return json({ ok: true });
    if (url.pathname !== "/run") return json({ error: "not found" }, 404);
    const n = (name: string, fallback = 0) => Number(url.searchParams.get(name) ?? fallback) || fallback;
    const pollMs = n("poll_ms", 2);
    try {
      const started = Date.now();
      const instance = await env.FLOW.create({ params: { steps: n("steps"), waitMs: n("wait_ms"), fanout: n("fanout") } });
      let polls = 0;
      let delay = n("first_poll_ms", pollMs);
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = pollMs;
        polls++;
        const status = await instance.status();
        if (FINAL.has(status.status)) {
          const body = { id: instance.id, status: status.status, output: status.output ?? null, error: status.error ?? null, create_to_complete_ms: Date.now() - started, polls };
          return json(body, status.status === "complete" ? 200 : 500);
        }
      }
    } catch (error) {
      return json({ error: String(error) }, 500);
    }
  },
} satisfies ExportedHandler<Env>;
