import type { EngineContext } from "./context";
import { completeStep, endEventWait } from "./steps";
import { finish, resumeIfWaiting } from "./status";
import type { Timer, TimerKind, Token } from "./types";

type TimerHandler = (ctx: EngineContext, timer: Timer, token: Token | null) => Promise<"stop" | void>;

/** What each timer does when due; every kind has a handler. */
const TIMER_HANDLERS = {
  flow_timeout: async (ctx) => {
    const message = `The flow timed out after ${ctx.run().flow.timeout}`;
    await finish(ctx, "failed", null, { code: "timeout", message, node_id: "" });
    return "stop";
  },
  retry: async (ctx, _timer, token) => {
    if (token?.state !== "retry_wait") return;
    await resumeIfWaiting(ctx);
    ctx.move(token, { state: "ready", pending: null });
  },
  wake: async (ctx, _timer, token) => {
    if (token?.state !== "sleeping") return;
    await resumeIfWaiting(ctx);
    completeStep(ctx, token, token.pending.action, token.pending.output);
  },
  event_timeout: async (ctx, _timer, token) => {
    if (token?.state !== "waiting_event") return;
    await resumeIfWaiting(ctx);
    endEventWait(ctx, token, token.pending.event, token.pending.resume, { received: false, timed_out: true });
  },
  // A drive used its budget: the run loop that follows the timers picks the ready branches up.
  yield: async () => {},
} satisfies Record<TimerKind, TimerHandler>;

/** Applies the timers due by the host's clock, in order; the caller drives the run afterwards. */
export async function fireDueTimers(ctx: EngineContext): Promise<void> {
  const { store } = ctx.host;
  for (const timer of store.dueTimers(ctx.host.now())) {
    store.removeTimers({ id: timer.id });
    const token = timer.token_id === null ? null : store.token(timer.token_id);
    if ((await TIMER_HANDLERS[timer.kind](ctx, timer, token)) === "stop") return;
  }
}

/** Arms the alarm at the earliest timer, or clears it. */
export async function syncAlarm(ctx: EngineContext): Promise<void> {
  await ctx.host.setAlarm(ctx.host.store.nextTimer()?.fire_at ?? null);
}
