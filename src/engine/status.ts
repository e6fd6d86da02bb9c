import type { JsonValue } from "../lib/json";
import type { EngineContext } from "./context";
import { NodeError, type StepError } from "./outcome";
import { preview } from "./preview";
import { isFinal, type ExecutionStatus, type Token, type TokenState } from "./types";
import { asError, log } from "../lib/log";

/** Token states whose step is open (started, not finished): a run that ends closes it as cancelled. */
const OPEN_STEP: ReadonlySet<TokenState> = new Set(["running", "sleeping", "waiting_event", "waiting_child"]);

/** A branch about to go on with a visit that paused has its step open too (see runAttempt). */
const hasOpenStep = (token: Token) => OPEN_STEP.has(token.state) || (token.state === "ready" && token.pending !== null);

/** Moves the run between running and waiting, with its event and (see SummaryIndex) its summary row. */
export async function setStatus(ctx: EngineContext, status: "running" | "waiting"): Promise<void> {
  const state = ctx.run();
  state.status = status;
  ctx.host.store.save(state);
  ctx.host.store.appendEvent(status === "running" ? "execution.resumed" : "execution.waiting", null, { status });
  await ctx.index.statusChanged(status);
}

/** A waiting run resumes before anything in it moves. */
export async function resumeIfWaiting(ctx: EngineContext): Promise<void> {
  if (ctx.current()?.status === "waiting") await setStatus(ctx, "running");
}

/**
 * Ends the run: aborts the attempts in flight, closes open steps as cancelled, removes every branch
 * and timer, records the final state durably, then tells the index, the children and the parent.
 * Ending an ended run does nothing.
 */
export async function finish(
  ctx: EngineContext,
  status: ExecutionStatus,
  output: JsonValue | null,
  error: StepError | null,
): Promise<void> {
  const state = ctx.run();
  if (isFinal(state.status)) return;
  const { store } = ctx.host;
  for (const controller of ctx.inflight.values()) controller.abort(new NodeError("cancelled", "The execution ended"));
  const children: string[] = [];
  store.batch(() => {
    const finishedAt = ctx.isoNow();
    for (const token of store.tokens()) {
      if (token.state === "waiting_child" && token.pending.child) children.push(token.pending.child);
      if (token.step_seq !== null && hasOpenStep(token)) {
        store.finishStep(token.step_seq, { status: "cancelled", action: null, output: null, error, finished_at: finishedAt });
      }
      store.removeToken(token.id);
    }
    store.removeTimers({});
    state.status = status;
    state.output = output;
    state.error = error;
    state.finished_at = finishedAt;
    store.save(state);
    store.appendEvent(`execution.${status}` as "execution.completed", null, {
      status,
      ...(output === null ? {} : { output: preview(output) }),
      ...(error ? { error: error as unknown as JsonValue } : {}),
    });
  });
  await store.flush();
  // No timers are left (removed above), so no alarm either.
  await ctx.host.setAlarm(null);
  await ctx.index.write();
  // A child run has no purpose once its parent has ended.
  await Promise.all(
    children.map((id) =>
      ctx.host.cancelChild(id).catch((e: unknown) => log.error("cancelling a child run failed", { child_id: id, error: asError(e) })),
    ),
  );
  for (const wake of ctx.waiters) wake();
  ctx.waiters.clear();
  if (state.parent) await ctx.host.notifyParent(state);
}
