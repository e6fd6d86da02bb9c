/**
 * `ctx.emit(type, data)`: ephemeral live events (LLM token deltas, progress) pushed to the run's
 * WebSocket watchers without a stored row each. Nothing is kept, so an event that is dropped or sent
 * while nobody watches is simply gone; a node must never depend on one arriving.
 *
 * This module does not redact: the lifecycle passes a `send` that redacts secrets before anything
 * leaves the run, like every other event. It bounds what one node attempt can push.
 */
import type { JsonValue } from "../../lib/json";

/**
 * Sustained rate per node attempt. A watcher renders deltas for a person reading: 20 updates a second
 * is smoother than the eye follows, and more only adds WebSocket frames and Durable Object CPU.
 */
export const DEFAULT_EVENTS_PER_SECOND = 20;
/** Allowed in a rush before the rate applies: a model's first tokens often arrive in one batch. */
export const DEFAULT_BURST = 50;
/**
 * Serialized size cap (UTF-8 JSON of `data`). A token delta or progress note is tens of bytes;
 * anything near this size is output, which belongs in the step's result, not a live event.
 */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024;

const TYPE_PATTERN = /^[a-z0-9_.-]{1,64}$/;

export type EmitDropReason = "invalid_type" | "too_large" | "not_serializable" | "rate_limited" | "send_failed";

export interface EmitDrop {
  reason: EmitDropReason;
  /** The event type as given (truncated to 64 characters). */
  type: string;
  message: string;
}

export interface EmitterOptions {
  maxEventsPerSecond?: number;
  burst?: number;
  maxBytes?: number;
  now?: () => number;
  /**
   * Told the first time each reason drops an event in this attempt, so the lifecycle can log it once
   * rather than once per token.
   */
  onDrop?: (drop: EmitDrop) => void;
}

/** Sends the event or drops it; true when sent. Never throws. */
export type Emit = (type: string, data: JsonValue) => boolean;

/**
 * One emitter per node attempt. `send` receives the event type and its data already checked; it is
 * called synchronously. Invalid or oversized events do not use up the rate.
 */
export function createEmitter(send: (type: string, data: JsonValue) => void, options: EmitterOptions = {}): Emit {
  const rate = positive(options.maxEventsPerSecond, DEFAULT_EVENTS_PER_SECOND) / 1000;
  const burst = positive(options.burst, DEFAULT_BURST);
  const maxBytes = positive(options.maxBytes, DEFAULT_MAX_EVENT_BYTES);
  const now = options.now ?? Date.now;
  const reported = new Set<EmitDropReason>();
  let tokens = burst;
  let last = now();

  const drop = (reason: EmitDropReason, type: string, message: string): false => {
    if (!reported.has(reason)) {
      reported.add(reason);
      try {
        options.onDrop?.({ reason, type: type.slice(0, 64), message });
      } catch {
        // A failing logger must not turn a dropped event into a failed node.
      }
    }
    return false;
  };

  return (type, data) => {
    if (typeof type !== "string" || !TYPE_PATTERN.test(type)) {
      return drop("invalid_type", String(type), "Event types are 1 to 64 characters of a-z, 0-9, '_', '.' and '-'");
    }
    const size = serializedBytes(data, maxBytes);
    if (size === null) return drop("not_serializable", type, `Event '${type}' has data that cannot be written as JSON`);
    if (size > maxBytes) return drop("too_large", type, `Event '${type}' is larger than ${maxBytes} bytes and was not sent`);

    const t = now();
    // A clock that steps backwards must not mint tokens or take them away.
    tokens = Math.min(burst, tokens + Math.max(0, t - last) * rate);
    last = Math.max(last, t);
    if (tokens < 1) {
      return drop("rate_limited", type, `Events beyond ${rate * 1000} a second (burst ${burst}) are dropped`);
    }
    tokens -= 1;
    try {
      send(type, data);
      return true;
    } catch (error) {
      return drop("send_failed", type, `Event '${type}' could not be sent: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

/**
 * UTF-8 size of the JSON text, or null when it is not JSON. Text of more UTF-16 units than the cap is
 * over it in UTF-8 too (every unit takes at least a byte), so that case skips the encoding pass.
 */
function serializedBytes(data: JsonValue, maxBytes: number): number | null {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    return null;
  }
  if (json === undefined) return null;
  if (json.length > maxBytes) return json.length;
  return new TextEncoder().encode(json).byteLength;
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
