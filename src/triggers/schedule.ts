/**
 * When a schedule fires: its ticks, which of them are due after a pause in firing, and the id of the
 * run each tick starts. Pure functions over a clock value; the scheduler (scheduler.ts) decides what
 * to do with them.
 *
 * A cron expression is read by croner in the trigger's time zone, so daylight-saving changes are
 * followed: a 02:30 daily schedule fires at 03:00 on the day 02:30 does not exist, and once on the
 * day it happens twice. `@every <duration>` is a fixed interval aligned to the epoch, so its ticks
 * are the same whenever and wherever they are computed.
 */
import { MAX_CATCHUP_TICKS } from "../flow/triggers";
import { cronSchedule } from "../flow/cron";
import { derivedId } from "../lib/ids";
import { parseDuration } from "../lib/duration";

/** The ticks of a schedule, as epoch milliseconds. */
export interface Cadence {
  /** The first tick strictly after `t`; null when the schedule never fires again. */
  after(t: number): number | null;
  /** Up to `n` ticks at or before `t`, newest first. */
  atOrBefore(t: number, n: number): number[];
}

export type Catchup = "none" | "latest" | "all";

/** With `catchup: none`, how late a tick may still start: an alarm fires within milliseconds, a restart takes longer. */
export const LATE_GRACE_MS = 60_000;

/** The cadence of `expression` read in `timezone`; throws when the expression is not a schedule. */
export function cadenceOf(expression: string, timezone: string): Cadence {
  const text = expression.trim();
  if (text.startsWith("@every")) {
    const interval = parseDuration(text.split(/\s+/)[1] ?? "");
    if (interval === undefined || interval < 1000) throw new Error(`'${text}' is not an interval of at least 1s`);
    return everyCadence(interval);
  }
  const cron = cronSchedule(text, { timezone });
  return {
    after: (t) => cron.nextRun(new Date(t))?.getTime() ?? null,
    // croner's reference is exclusive: a tick at exactly `t` is found from one millisecond later.
    atOrBefore: (t, n) => cron.previousRuns(n, new Date(t + 1)).map((d) => d.getTime()),
  };
}

function everyCadence(interval: number): Cadence {
  return {
    after: (t) => (Math.floor(t / interval) + 1) * interval,
    atOrBefore: (t, n) => {
      const ticks: number[] = [];
      for (let tick = Math.floor(t / interval) * interval; ticks.length < n && tick >= 0; tick -= interval) ticks.push(tick);
      return ticks;
    },
  };
}

export interface DueTicks {
  /** Ticks to start a run for, oldest first. */
  run: number[];
  /** The newest tick in the window that is not run (missed while the schedule could not fire); null when none is. */
  missed: number | null;
}

/**
 * The ticks in (cursor, now] and what `catchup` makes of them. Normally that is the one tick the
 * alarm was set for. After a time when the schedule could not fire, `none` runs only a tick at most
 * LATE_GRACE_MS late, `latest` the newest missed tick, and `all` every missed tick oldest first, at
 * most MAX_CATCHUP_TICKS (the newest).
 */
export function dueTicks(cadence: Cadence, cursor: number, now: number, catchup: Catchup): DueTicks {
  const first = cadence.after(cursor);
  if (first === null || first > now) return { run: [], missed: null };
  if (catchup === "all") {
    // Forward from the cursor while few are due (the usual case: one), from now backwards when many are.
    const ticks: number[] = [];
    for (let tick: number | null = first; tick !== null && tick <= now; tick = cadence.after(tick)) {
      ticks.push(tick);
      if (ticks.length > MAX_CATCHUP_TICKS) {
        const newest = cadence.atOrBefore(now, MAX_CATCHUP_TICKS + 1);
        return { run: newest.slice(0, MAX_CATCHUP_TICKS).reverse(), missed: newest[MAX_CATCHUP_TICKS] ?? null };
      }
    }
    return { run: ticks, missed: null };
  }
  const [newest = first, previous] = cadence.atOrBefore(now, 2);
  const olderMissed = previous !== undefined && previous > cursor ? previous : null;
  if (catchup === "latest") return { run: [newest], missed: olderMissed };
  return now - newest <= LATE_GRACE_MS ? { run: [newest], missed: olderMissed } : { run: [], missed: newest };
}

/**
 * When to set the alarm, given the newest tick already handled (or the time the schedule started
 * counting): at the next tick, or now when that tick is already past (the alarm then catches up).
 * Null when the schedule never fires again.
 */
export function armAt(cadence: Cadence, cursor: number, now: number): number | null {
  const next = cadence.after(cursor);
  return next === null ? null : Math.max(next, now);
}

/**
 * The run a tick starts. Keyed (the service's id key), so nobody can guess the id of a future run;
 * the same for every fire of one tick, so a repeated fire finds the first run instead of starting another.
 */
export function tickExecutionId(idKey: string, triggerId: string, tick: number): Promise<string> {
  return derivedId("exe", idKey, `cron:${triggerId}:${tick}`);
}
