import { parseDuration } from "../lib/duration";
import type { EngineContext } from "./context";
import type { StepRequest } from "./host";
import { NodeError, type NodeOutcome } from "./outcome";
import { applyOutcome, type Attempt } from "./outcomes";
import { preview } from "./preview";
import { finish } from "./status";
import { failStep, toNodeError } from "./steps";
import { isFinal, type Token } from "./types";
import { addUsage, cleanUsage, type Usage } from "./usage";

/** One attempt of the node a ready branch is at: record its start, run it, apply how it finished. */
export async function runAttempt(ctx: EngineContext, ready: Token): Promise<void> {
  const state = ctx.run();
  const node = state.flow.nodes[ready.node_id];
  const { store } = ctx.host;
  if (!node) return finish(ctx, "failed", null, { code: "unknown_node", message: `No node '${ready.node_id}'`, node_id: ready.node_id });
  // A visit that paused inside its work goes on in its open step record: a resume is not a new step.
  const reopen = ready.state === "ready" && ready.pending !== null ? ready.step_seq : null;
  if (reopen === null) {
    if (state.step_count >= state.step_limit) {
      const message = `The run reached its limit of ${state.step_limit} steps (a cycle that never ends?)`;
      return finish(ctx, "failed", null, { code: "step_limit_exceeded", message, node_id: ready.node_id });
    }
    // Not saved here: the store counts step records on load (see ExecutionStore.load), so a step
    // costs no rewrite of the whole state.
    state.step_count++;
  }
  const startedAt = ctx.host.now();
  // The start is held with the completion (see completeStep) unless the attempt declares an effect
  // (beforeEffect): if the object dies before they are applied, the step runs again from the token,
  // as if it had never started, to the same result.
  const token = store.batch(() => (reopen === null ? openStep(ctx, ready, startedAt) : reopenStep(ctx, ready, reopen)), { hold: true });

  const controller = new AbortController();
  ctx.inflight.set(token.id, controller);
  const live = () => ctx.inflight.get(token.id) === controller && !isFinal(state.status);
  let effectful = false;
  let durable: Promise<void> | undefined;
  /** A sub-step recorded since the last flush: the next effect waits until it is durable too. */
  let memoWritten = false;
  /** What the attempt reported consuming so far; rewritten whole on its step with each report. */
  let usage: Usage = {};
  const attempt: Attempt = {
    token,
    startedAt,
    resumed: reopen !== null,
    effectful: () => effectful,
    beforeEffect: async () => {
      if (!durable || memoWritten) {
        effectful = true;
        memoWritten = false;
        // Before an effect leaves the run, everything up to and including "this step started" must
        // be durable: a crash then re-runs only this step, and its record shows it was interrupted.
        ctx.index.catchUp();
        durable = store.flush();
      }
      await durable;
      if (isFinal(ctx.run().status)) throw new NodeError("cancelled", "The execution ended", null, false);
    },
  };
  const request: StepRequest = {
    state,
    token,
    node,
    results: ctx.results(),
    signal: controller.signal,
    log: (level, message, data) => store.appendEvent("log", token.node_id, { level, message, ...(data === undefined ? {} : { data }) }),
    now: () => ctx.host.now(),
    beforeEffect: attempt.beforeEffect,
    takeEvent: (name) => (live() ? store.takeInbox(name) : undefined),
    memo: {
      get: (key) => store.memo(token.id, key),
      put: (key, value) => {
        // A late write of an attempt that was abandoned must not outlive its token.
        if (!live()) return;
        store.putMemo(token.id, key, value);
        memoWritten = true;
      },
    },
    emit: (type, data) => {
      if (live()) ctx.host.broadcast(type, token.node_id, data);
    },
    watched: () => ctx.host.watched(),
    // Kept even when reported after the attempt was abandoned (a timeout): it was consumed all the same.
    addUsage: (reported) => {
      const clean = cleanUsage(reported);
      if (token.step_seq === null || Object.keys(clean).length === 0) return;
      usage = addUsage(usage, clean);
      store.setStepUsage(token.step_seq, usage);
    },
    runChild: async (key, child, signal) => {
      await attempt.beforeEffect();
      return ctx.host.runChild(state, token, key, child, eitherAborted(signal, controller.signal));
    },
  };

  let outcome: NodeOutcome;
  try {
    outcome = await withTimeout(ctx.host.runStep(request), controller, node.timeout, token.node_id);
  } catch (error) {
    ctx.inflight.delete(token.id);
    if (isFinal(ctx.run().status)) return;
    return failStep(ctx, token, toNodeError(error));
  }
  ctx.inflight.delete(token.id);
  if (isFinal(ctx.run().status)) return;
  // The node runs again when its event comes: whatever of it still runs beside the wait stops now.
  if (outcome.kind === "wait_event" && outcome.resume) controller.abort(new NodeError("paused", "The node paused until an event"));
  await applyOutcome(ctx, attempt, outcome);
}

/** A new step record for the attempt, and the branch running it. */
function openStep(ctx: EngineContext, ready: Token, startedAt: number): Token {
  const { store } = ctx.host;
  const seq = store.startStep({
    token_id: ready.id,
    node_id: ready.node_id,
    attempt: ready.attempt,
    status: "running",
    action: null,
    input: ready.input,
    output: null,
    error: null,
    started_at: new Date(startedAt).toISOString(),
    finished_at: null,
  });
  const running = ctx.move(ready, { state: "running", pending: null }, { step_seq: seq });
  store.appendEvent("step.started", running.node_id, { step: seq, attempt: running.attempt, input: preview(running.input) });
  return running;
}

/** The open record of a visit that paused runs again: its start, and so its duration, include the wait. */
function reopenStep(ctx: EngineContext, ready: Token, seq: number): Token {
  const { store } = ctx.host;
  store.finishStep(seq, { status: "running", action: null, output: null, error: null, finished_at: null });
  const running = ctx.move(ready, { state: "running", pending: null });
  store.appendEvent("step.resumed", running.node_id, { step: seq, attempt: running.attempt });
  return running;
}

/** The node's work, or a rejection when its `timeout` passes or the controller aborts (the run ended). */
async function withTimeout<T>(work: Promise<T>, controller: AbortController, timeout: string | undefined, nodeId: string): Promise<T> {
  const timeoutMs = timeout ? parseDuration(timeout) : undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason));
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => controller.abort(new NodeError("timeout", `Node '${nodeId}' timed out after ${timeout}`)), timeoutMs);
    }
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    clearTimeout(timer);
  }
}

/** A signal aborted, with its reason, by whichever of the two aborts first. */
function eitherAborted(a: AbortSignal, b: AbortSignal): AbortSignal {
  const both = new AbortController();
  for (const signal of [a, b]) {
    if (signal.aborted) both.abort(signal.reason);
    else signal.addEventListener("abort", () => both.abort(signal.reason), { once: true });
  }
  return both.signal;
}
