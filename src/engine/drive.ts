import { runAttempt } from "./attempt";
import type { EngineContext } from "./context";
import { resolveJoins } from "./joins";
import { syncAlarm } from "./timers";
import { finish, resumeIfWaiting, setStatus } from "./status";
import { isFinal } from "./types";

/**
 * One drive: runs ready branches, at most `maxConcurrency` at a time and `stepBudget` in all, until
 * none is ready; then settles (finish, wait, or yield).
 */
export async function drive(ctx: EngineContext): Promise<void> {
  const state = ctx.current();
  if (!state || isFinal(state.status)) return;
  recoverInterrupted(ctx);
  const { store } = ctx.host;
  const active = new Map<number, Promise<void>>();
  let started = 0;
  for (;;) {
    if (isFinal(state.status)) break;
    for (const token of store.tokens()) {
      if (active.size >= ctx.options.maxConcurrency || started >= ctx.options.stepBudget) break;
      if (token.state !== "ready" || active.has(token.id)) continue;
      await resumeIfWaiting(ctx);
      started++;
      active.set(
        token.id,
        runAttempt(ctx, token).finally(() => active.delete(token.id)),
      );
    }
    if (active.size === 0) break;
    await Promise.race(active.values());
  }
  await settle(ctx, started >= ctx.options.stepBudget);
}

/** A branch recorded as running that no attempt here runs: the object restarted while it ran. */
function recoverInterrupted(ctx: EngineContext): void {
  const { store } = ctx.host;
  for (const token of store.tokens()) {
    if (token.state !== "running" || ctx.inflight.has(token.id)) continue;
    // Its step record says so, and the same attempt (same number, same idempotency key) runs again.
    if (token.step_seq !== null) {
      store.finishStep(token.step_seq, {
        status: "failed",
        action: null,
        output: null,
        error: { code: "interrupted", message: "The execution restarted while this step ran; it runs again", node_id: token.node_id },
        finished_at: ctx.isoNow(),
      });
    }
    ctx.move(token, { state: "ready", pending: null });
  }
}

/** After a drive: finish, wait, or yield, and arm the alarm for what comes next. */
async function settle(ctx: EngineContext, budgetUsed: boolean): Promise<void> {
  const state = ctx.run();
  if (isFinal(state.status)) return;
  const { store } = ctx.host;
  let tokens = store.tokens();
  if (tokens.length > 0 && tokens.every((t) => t.state === "joining")) {
    // Joins that wait for each other: run them with what has arrived.
    resolveJoins(ctx, true);
    ctx.again = true;
    return;
  }
  if (tokens.length === 0) {
    const ends = Object.entries(state.ends);
    const output = ends.length === 1 ? ends[0]![1] : Object.fromEntries(ends);
    return finish(ctx, "completed", output, null);
  }
  tokens = store.tokens();
  if (tokens.some((t) => t.state === "ready")) {
    if (budgetUsed) store.addTimer("yield", ctx.host.now(), null);
    else ctx.again = true;
  } else if (state.status !== "waiting") {
    await setStatus(ctx, "waiting");
  }
  ctx.index.catchUp();
  await syncAlarm(ctx);
}
