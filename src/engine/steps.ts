import type { JsonValue } from "../lib/json";
import type { EngineContext } from "./context";
import { advance } from "./joins";
import { NodeError, type EventResume, type EventWaitResult, type StepError } from "./outcome";
import { preview } from "./preview";
import { canRetry, retryDelayMs } from "./retry";
import { finish } from "./status";
import type { Token } from "./types";

/**
 * Closes a step as completed and moves its branch on. With `hold` (a step that ran without effects),
 * the completion is held like the step's start: applied with the next write that is not held, the
 * next read, or the end of the drive, so a streak of pure steps costs one statement, not one per
 * step. Any other completion (an effect, a wake-up, an event, a child's result) is applied at once,
 * so the caller's answer and the alarm's end come after it.
 */
export function completeStep(
  ctx: EngineContext,
  token: Token,
  action: string,
  output: JsonValue,
  options: { durationMs?: number; hold?: boolean } = {},
): void {
  const { store } = ctx.host;
  store.batch(
    () => {
      if (token.step_seq !== null) {
        store.finishStep(token.step_seq, { status: "completed", action, output, error: null, finished_at: ctx.isoNow() });
      }
      ctx.setResult(token.node_id, output);
      store.appendEvent("step.completed", token.node_id, {
        step: token.step_seq,
        action,
        output: preview(output),
        ...(options.durationMs === undefined ? {} : { duration_ms: options.durationMs }),
      });
      advance(ctx, token, action, output);
    },
    { hold: options.hold === true },
  );
}

/**
 * Ends a branch's wait for an event (it came, or the wait timed out). A `wait` node finishes with the
 * payload, or with the action `timeout`; a node that paused inside its work goes on (resumeStep).
 */
export function endEventWait(
  ctx: EngineContext,
  token: Token,
  event: string,
  resume: EventResume | undefined,
  result: EventWaitResult,
): void {
  if (resume) resumeStep(ctx, token, resume.key, result);
  else if (result.received) completeStep(ctx, token, "default", result.payload);
  else completeStep(ctx, token, "timeout", { event, timed_out: true });
}

/**
 * Goes on with a node visit that paused inside its work: `result` becomes the sub-step the node
 * waits on, and the branch is ready again with its step record kept open (see runAttempt), so the
 * same attempt replays its sub-steps up to the wait, finds the result there and continues. Applied
 * at once: the caller's answer comes after it.
 */
function resumeStep(ctx: EngineContext, token: Token, key: string, result: EventWaitResult): void {
  const { store } = ctx.host;
  store.batch(() => {
    store.putMemo(token.id, key, result);
    ctx.move(token, { state: "ready", pending: { resume: true } });
  });
}

/**
 * Closes a failed step: schedules a retry when the node's policy allows, else follows the `error`
 * edge, else fails the run (resolving once it is ended).
 */
export async function failStep(ctx: EngineContext, token: Token, error: NodeError): Promise<void> {
  const fatal = ctx.host.store.batch(() => recordFailure(ctx, token, error));
  // The step's own record says failed; finish() must not restate it as cancelled.
  if (fatal) await finish(ctx, "failed", null, fatal);
}

/** The failure's writes; returns the error that fails the run, or null when the branch goes on. */
function recordFailure(ctx: EngineContext, token: Token, error: NodeError): StepError | null {
  const node = ctx.run().flow.nodes[token.node_id]!;
  const { store } = ctx.host;
  const stepError: StepError = {
    code: error.code,
    message: error.message,
    node_id: token.node_id,
    ...(error.details === undefined ? {} : { details: error.details }),
  };
  const errorJson = stepError as unknown as JsonValue;
  const finishedAt = ctx.isoNow();
  if (node.retry && error.retryable && canRetry(node.retry, token.attempt)) {
    const delay = retryDelayMs(node.retry, token.attempt, () => ctx.host.random());
    if (token.step_seq !== null) {
      store.finishStep(token.step_seq, { status: "retrying", action: null, output: null, error: stepError, finished_at: finishedAt });
    }
    store.appendEvent("step.retrying", token.node_id, { step: token.step_seq, attempt: token.attempt, delay_ms: delay, error: errorJson });
    // The token keeps its id across attempts: sub-steps recorded for it are reused by the retry.
    ctx.move(token, { state: "retry_wait", pending: null }, { attempt: token.attempt + 1 });
    store.addTimer("retry", ctx.host.now() + delay, token.id);
    return null;
  }
  if (token.step_seq !== null) {
    store.finishStep(token.step_seq, { status: "failed", action: null, output: null, error: stepError, finished_at: finishedAt });
  }
  store.appendEvent("step.failed", token.node_id, { step: token.step_seq, attempt: token.attempt, error: errorJson });
  if ((node.next.error ?? []).length > 0) {
    ctx.setResult(token.node_id, errorJson);
    advance(ctx, token, "error", errorJson);
    return null;
  }
  store.removeToken(token.id);
  return stepError;
}

export function toNodeError(error: unknown): NodeError {
  if (error instanceof NodeError) return error;
  if (error instanceof Error) return new NodeError("node_error", error.message);
  return new NodeError("node_error", String(error));
}
