/**
 * The execution object's store holds the writes of pure steps (they are applied with the next
 * effect's checkpoint), but never for long: how long decides how much a crash can replay, and the
 * store's request-id window (src/nodes/capabilities/kv.ts) must cover it.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SqliteExecutionStore } from "../../src/objects/execution/sqlite-store";
import { MAX_HELD_MS } from "../../src/objects/execution/sqlite-writes";

describe("held writes", () => {
  it("applies held writes once the oldest has waited MAX_HELD_MS, and not before", async () => {
    const stub = env.EXECUTIONS.get(env.EXECUTIONS.idFromName(`held-writes-${Date.now()}`));
    await runInDurableObject(stub, (_object, state: DurableObjectState) => {
      const clock = { t: 1_700_000_000_000 };
      const store = new SqliteExecutionStore(state.storage.sql, {
        sync: () => state.storage.sync(),
        onEvent: () => {},
        now: () => clock.t,
      });
      const rows = () => Number(state.storage.sql.exec("SELECT count(*) AS n FROM events").one().n);
      const before = rows();
      const held = () => store.batch(() => store.appendEvent("log", null, { message: "pure step" }), { hold: true });
      held();
      clock.t += MAX_HELD_MS - 1;
      held();
      expect(rows()).toBe(before);
      clock.t += 1;
      held();
      expect(rows()).toBe(before + 3);
      // The next streak is timed from its own first write.
      held();
      clock.t += MAX_HELD_MS - 1;
      held();
      expect(rows()).toBe(before + 3);
    });
  });
});
