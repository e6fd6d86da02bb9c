import { isRecord, type JsonValue } from "../lib/json";
import type { EngineContext } from "./context";
import type { NodeOutcome } from "./outcome";
import { preview } from "./preview";
import { completeStep, endEventWait, failStep, toNodeError } from "./steps";
import type { Token } from "./types";

/** The attempt whose outcome is applied. */
export interface Attempt {
  /** The branch as the attempt left it (state `running`, its step's seq). */
  token: Token;
  startedAt: number;
  /** Whether this run of the node goes on with a visit that paused: its step's duration is not this run's. */
  resumed: boolean;
  /** Whether the attempt called beforeEffect: its completion is then applied at once, not held. */
  effectful(): boolean;
  /** StepRequest.beforeEffect of the attempt: everything so far durable before an effect leaves the run. */
  beforeEffect(): Promise<void>;
}

type Kind = NodeOutcome["kind"];
type OutcomeOf = { [K in Kind]: Extract<NodeOutcome, { kind: K }> };
type OutcomeHandler<K extends Kind> = (ctx: EngineContext, attempt: Attempt, outcome: OutcomeOf[K]) => void | Promise<void>;
/** A Record<NodeOutcome["kind"], handler> whose handler for each kind takes that kind's outcome. */
type OutcomeHandlers = { [K in Kind]: OutcomeHandler<K> };

/** The step is paused: its record says waiting until the branch resumes. */
function waitStep(ctx: EngineContext, token: Token, data: JsonValue): void {
  ctx.host.store.finishStep(token.step_seq!, { status: "waiting", action: null, output: null, error: null, finished_at: null });
  ctx.host.store.appendEvent("step.waiting", token.node_id, data);
}

/** One handler per outcome kind: a new kind does not compile until it is handled here. */
const HANDLERS = {
  done: (ctx, { token, startedAt, resumed, effectful }, outcome) =>
    completeStep(ctx, token, outcome.action, outcome.output, {
      ...(resumed ? {} : { durationMs: ctx.host.now() - startedAt }),
      hold: !effectful(),
    }),

  sleep: (ctx, { token }, outcome) => {
    const sleeping = ctx.move(token, { state: "sleeping", pending: { action: outcome.action, output: outcome.output } });
    ctx.host.store.addTimer("wake", outcome.until, sleeping.id);
    waitStep(ctx, sleeping, { until: new Date(outcome.until).toISOString() });
  },

  wait_event: (ctx, { token }, { event, timeoutAt, resume }) => {
    const { store } = ctx.host;
    // An event sent before anything waited for it is taken by the first wait for its name (a node
    // that pauses looks first itself; one may still have come while its attempt was ending).
    const buffered = store.takeInbox(event);
    if (buffered !== undefined) return endEventWait(ctx, token, event, resume, { received: true, payload: buffered });
    const waiting = ctx.move(token, { state: "waiting_event", pending: resume ? { event, resume } : { event } });
    if (timeoutAt !== null) store.addTimer("event_timeout", timeoutAt, waiting.id);
    waitStep(ctx, waiting, {
      event,
      timeout_at: timeoutAt === null ? null : new Date(timeoutAt).toISOString(),
      ...(resume?.data === undefined ? {} : { data: preview(resume.data) }),
    });
  },

  subflow: async (ctx, attempt, outcome) => {
    const { token, startedAt } = attempt;
    const { store } = ctx.host;
    // Starting a child is an effect, whether or not the node declared it.
    await attempt.beforeEffect();
    if (outcome.wait) {
      // Waiting before the child exists: a child that finishes at once finds its parent waiting.
      waitStep(ctx, ctx.move(token, { state: "waiting_child", pending: {} }), { flow_id: outcome.flowId });
    }
    let childId: string;
    try {
      childId = await ctx.host.spawnChild(ctx.run(), token, outcome);
    } catch (error) {
      return failStep(ctx, token, toNodeError(error));
    }
    if (!outcome.wait) return completeStep(ctx, token, "default", { execution_id: childId }, { durationMs: ctx.host.now() - startedAt });
    const waiting = store.token(token.id);
    if (waiting?.state === "waiting_child") ctx.move(waiting, { state: "waiting_child", pending: { child: childId } });
  },
} satisfies OutcomeHandlers;

// Typed as a mapped type so that indexing it with a kind gives that kind's handler (see dispatch).
const handlers: OutcomeHandlers = HANDLERS;

function dispatch<K extends Kind>(ctx: EngineContext, attempt: Attempt, kind: K, outcome: OutcomeOf[K]): void | Promise<void> {
  return handlers[kind](ctx, attempt, outcome);
}

/** Applies how an attempt finished: the run's new `shared`, then what the outcome's kind says. */
export async function applyOutcome(ctx: EngineContext, attempt: Attempt, outcome: NodeOutcome): Promise<void> {
  if (outcome.shared !== undefined && isRecord(outcome.shared)) {
    const state = ctx.run();
    state.shared = outcome.shared;
    ctx.host.store.save(state);
  }
  await dispatch(ctx, attempt, outcome.kind, outcome);
}
