/**
 * The platform floor: the irreducible work of "one Durable Object per run", with no engine.
 *
 *   GET  /                         plain Worker response, no object
 *   POST /setup                    creates the D1 table (idempotent)
 *   POST /run?steps=N&wait_ms=W&fanout=K
 *        a new Durable Object runs N trivial steps, each written as a row to its SQLite storage;
 *        with wait_ms, a sleep on the object's alarm halfway (itself a step); with fanout, K parallel
 *        steps between the first and the last (a join); then one summary row in D1; JSON answer.
 *   POST /run?http=URL&key=K
 *        the realistic shape, four steps recorded the same way: a fetch of URL?n=1 (the HTTP stand-in's
 *        echo), an increment of K in a second Durable Object (FloorStore) that stands in for the
 *        account's key-value store, a branch on the new value, and a pure computation of the output.
 */
import type { CounterStore } from "../shared/counter-store";
import { DurableObject } from "cloudflare:workers";

interface Env {
  DB: D1Database;
  RUNS: DurableObjectNamespace<FloorRun>;
  STORE: DurableObjectNamespace<CounterStore>;
}

interface RunRequest {
  steps: number;
  waitMs: number;
  fanout: number;
  /** The realistic shape: the URL to fetch and the store key to increment. */
  realistic?: { url: string; key: string };
}

// The class is bound as FloorStore in wrangler.toml.
export { CounterStore as FloorStore } from "../shared/counter-store";

interface RunResult {
  id: string;
  steps: number;
  output: { n: number };
}

export class FloorRun extends DurableObject<Env> {
  private wake: (() => void) | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS steps (seq INTEGER PRIMARY KEY, node TEXT NOT NULL, output TEXT NOT NULL)");
  }

  async run(id: string, request: RunRequest): Promise<RunResult> {
    const sql = this.ctx.storage.sql;
    let seq = 0;
    let value = { n: 0 };
    const record = (node: string, output: unknown) =>
      sql.exec("INSERT INTO steps (seq, node, output) VALUES (?, ?, ?)", ++seq, node, JSON.stringify(output));
    const step = (node: string, input: { n: number }) => {
      const output = { n: input.n + 1 };
      record(node, output);
      return output;
    };
    if (request.realistic) {
      value = await this.realistic(request.realistic, value, record);
    } else if (request.fanout > 0) {
      value = step("split", value);
      const start = value;
      const branches = await Promise.all(Array.from({ length: request.fanout }, async (_, i) => step(`b${i}`, start)));
      value = step("join", { n: branches.reduce((sum, b) => sum + b.n, 0) });
    } else {
      const waitAt = request.waitMs > 0 ? Math.floor(request.steps / 2) : -1;
      for (let i = 0; i < request.steps; i++) {
        if (i === waitAt) {
          sql.exec("INSERT INTO steps (seq, node, output) VALUES (?, ?, ?)", ++seq, `s${i}`, "null");
          await this.sleep(request.waitMs);
          continue;
        }
        value = step(`s${i}`, value);
      }
    }
    await this.env.DB.prepare("INSERT INTO runs (id, status, steps, output, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind(id, "completed", seq, JSON.stringify(value), new Date().toISOString())
      .run();
    return { id, steps: seq, output: value };
  }

  /**
   * Each step's result is a row before the next step starts: the object's output gate holds its
   * outgoing messages (the next fetch or call) until the write is confirmed, as a durable engine must
   * checkpoint a step before its next side effect.
   */
  private async realistic(
    { url, key }: { url: string; key: string },
    input: { n: number },
    record: (node: string, output: unknown) => void,
  ): Promise<{ n: number }> {
    const response = await fetch(`${url}?n=${input.n + 1}`);
    if (!response.ok) throw new Error(`fetch ${url}: HTTP ${response.status}`);
    const fetched = { status: response.status, body: (await response.json()) as { query: { n: string } } };
    record("fetch", fetched);
    const counted = await this.env.STORE.get(this.env.STORE.idFromName("default")).increment(key, 1);
    record("count", counted);
    const branch = counted.new_value > 0 ? "counted" : "default";
    record("check", branch);
    if (branch !== "counted") return { n: -1 };
    const output = { n: Number(fetched.body.query.n) + counted.incremented + 2 };
    record("shape", output);
    return output;
  }

  /** A sleep on the object's alarm, as a durable engine would do it. */
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      void this.ctx.storage.setAlarm(Date.now() + ms);
    });
  }

  override async alarm(): Promise<void> {
    this.wake?.();
    this.wake = null;
  }
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/") return json({ ok: true });
    if (url.pathname === "/setup") {
      await env.DB.exec(
        "CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, status TEXT NOT NULL, steps INTEGER NOT NULL, output TEXT, created_at TEXT NOT NULL)",
      );
      return json({ ok: true });
    }
    if (url.pathname === "/run") {
      const n = (name: string) => Number(url.searchParams.get(name) ?? "0") || 0;
      const http = url.searchParams.get("http");
      const realistic = http ? { url: http, key: url.searchParams.get("key") ?? "bench" } : undefined;
      const id = crypto.randomUUID();
      const stub = env.RUNS.get(env.RUNS.newUniqueId());
      try {
        return json(await stub.run(id, { steps: n("steps"), waitMs: n("wait_ms"), fanout: n("fanout"), realistic }));
      } catch (error) {
        return json({ error: String(error) }, 500);
      }
    }
    return json({ error: "not found" }, 404);
  },
} satisfies ExportedHandler<Env>;
