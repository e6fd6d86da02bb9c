/**
 * The platform floor: the irreducible work of "one Durable Object per run", with no engine.
 *
 *   GET  /                         plain Worker response, no object
 *   POST /setup                    creates the D1 table (idempotent)
 *   POST /run?steps=N&wait_ms=W&fanout=K
 *        a new Durable Object runs N trivial steps, each written as a row to its SQLite storage;
 *        with wait_ms, a sleep on the object's alarm halfway (itself a step); with fanout, K parallel
 *        steps between the first and the last (a join); then one summary row in D1; JSON answer.
 */
import { DurableObject } from "cloudflare:workers";

interface Env {
  DB: D1Database;
  RUNS: DurableObjectNamespace<FloorRun>;
}

interface RunRequest {
  steps: number;
  waitMs: number;
  fanout: number;
}

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
    const step = (node: string, input: { n: number }) => {
      const output = { n: input.n + 1 };
      sql.exec("INSERT INTO steps (seq, node, output) VALUES (?, ?, ?)", ++seq, node, JSON.stringify(output));
      return output;
    };
    if (request.fanout > 0) {
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
      const id = crypto.randomUUID();
      const stub = env.RUNS.get(env.RUNS.newUniqueId());
      try {
        return json(await stub.run(id, { steps: n("steps"), waitMs: n("wait_ms"), fanout: n("fanout") }));
      } catch (error) {
        return json({ error: String(error) }, 500);
      }
    }
    return json({ error: "not found" }, 404);
  },
} satisfies ExportedHandler<Env>;
