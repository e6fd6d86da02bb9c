import { DurableObject } from "cloudflare:workers";

export interface Incremented {
  key: string;
  new_value: number;
  incremented: number;
}

/**
 * What stands in for FlowRunner's key-value store (one Durable Object per account store) in the floor
 * and on Workflows: one object shared by every run, holding a value and a version per key in its
 * SQLite storage. It does only the write (no request ids for replays, no TTLs): the least such a step costs.
 */
export class CounterStore extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value REAL NOT NULL, version INTEGER NOT NULL)");
  }

  increment(key: string, amount: number): Incremented {
    const row = this.ctx.storage.sql
      .exec<{ value: number }>(
        "INSERT INTO kv (key, value, version) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value, version = version + 1 RETURNING value",
        key,
        amount,
      )
      .one();
    return { key, new_value: row.value, incremented: amount };
  }
}
