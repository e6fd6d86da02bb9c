/**
 * `ctx.waitForEvent`: a node pauses its run until an event is posted to it, then goes on where it
 * stopped (an agent asking for approval before a tool call).
 *
 * A wait is a sub-step of the node's visit. Once its event has come (or its timeout passed), every
 * later replay of the visit gets that result at once. A wait with nothing to return pauses the node:
 * its call never settles, and the attempt ends with a `wait_event` outcome that names the sub-step
 * (`resume.key`). The engine keeps the event under that key when it comes and runs the same visit
 * again, whose code replays its completed sub-steps up to the wait and continues past it. The pause
 * is not a thrown error, so a node's own try/catch around a tool call cannot swallow it.
 */
import type { StepRequest } from "../../engine/host";
import { NodeError, type EventWaitResult, type NodeOutcome } from "../../engine/outcome";
import { jsonBytes } from "../../input-budget";
import type { WaitForEventOptions } from "../types";

/** An event name the API can post (`/events/{name}` takes 1 to 200 characters). */
const MAX_EVENT_NAME = 200;
/** `data` is kept on the waiting branch and shown with the execution: a proposal, not a payload. */
export const MAX_WAIT_DATA_BYTES = 64 * 1024;

/** How an attempt ends when its node pauses: the first wait that had nothing to return decides. */
export class Pause {
  /** Resolves with the `wait_event` outcome once the node pauses; never otherwise. */
  readonly paused: Promise<NodeOutcome>;
  private settle: ((outcome: NodeOutcome) => void) | undefined;

  constructor() {
    this.paused = new Promise<NodeOutcome>((resolve) => (this.settle = resolve));
  }

  /** Ends the attempt with `outcome`; the caller's wait never settles (its work is abandoned). */
  pause(outcome: NodeOutcome): Promise<never> {
    this.settle?.(outcome);
    this.settle = undefined;
    return new Promise<never>(() => {});
  }
}

/** The node's work, or the pause if the node pauses first. */
export function untilPaused(work: Promise<NodeOutcome>, pause: Pause): Promise<NodeOutcome> {
  return Promise.race([work, pause.paused]);
}

/**
 * One wait of a node's visit, kept as the sub-step `key`: its kept result, an event sent before the
 * node got here (taken from the run's inbox and kept), or the pause.
 */
export function waitForEvent(
  request: StepRequest,
  pause: Pause,
  key: string,
  name: string,
  options: WaitForEventOptions,
): Promise<EventWaitResult> {
  checkWait(name, options);
  const kept = request.memo.get(key);
  if (kept) return Promise.resolve(kept.value as EventWaitResult);
  const early = request.takeEvent(name);
  if (early !== undefined) {
    const result: EventWaitResult = { received: true, payload: early };
    request.memo.put(key, result);
    return Promise.resolve(result);
  }
  const timeoutAt = options.timeout === undefined ? null : request.now() + options.timeout;
  const resume = options.data === undefined ? { key } : { key, data: options.data };
  return pause.pause({ kind: "wait_event", event: name, timeoutAt, resume });
}

function checkWait(name: string, { timeout, data }: WaitForEventOptions): void {
  const invalid = (message: string) => new NodeError("invalid_wait", message, null, false);
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_EVENT_NAME) {
    throw invalid(`An event name must be 1 to ${MAX_EVENT_NAME} characters`);
  }
  if (timeout !== undefined && !(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0)) {
    throw invalid("timeout must be a positive number of milliseconds");
  }
  if (data === undefined) return;
  let bytes: number | undefined;
  try {
    bytes = jsonBytes(data);
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined) throw invalid("data must be JSON");
  if (bytes > MAX_WAIT_DATA_BYTES) throw invalid(`data must be at most ${MAX_WAIT_DATA_BYTES} bytes as JSON (it is ${bytes})`);
}
