import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../../src/lib/json";
import {
  createEmitter,
  DEFAULT_BURST,
  DEFAULT_EVENTS_PER_SECOND,
  DEFAULT_MAX_EVENT_BYTES,
  type EmitDrop,
  type EmitterOptions,
} from "../../../src/nodes/capabilities/emit";

/** An emitter over a recording `send`, a settable clock and a recording `onDrop`. */
function setup(options: Omit<EmitterOptions, "now" | "onDrop"> = {}) {
  const sent: [string, JsonValue][] = [];
  const drops: EmitDrop[] = [];
  const clock = { t: 1_000_000 };
  const emit = createEmitter((type, data) => sent.push([type, data]), {
    ...options,
    now: () => clock.t,
    onDrop: (drop) => drops.push(drop),
  });
  return { emit, sent, drops, clock };
}

describe("rate limit", () => {
  it(`allows a burst of ${DEFAULT_BURST}, then ${DEFAULT_EVENTS_PER_SECOND} a second`, () => {
    const { emit, sent, clock } = setup();
    const burst = Array.from({ length: DEFAULT_BURST + 5 }, (_, i) => emit("token", i));
    expect(burst.filter(Boolean)).toHaveLength(DEFAULT_BURST);
    expect(burst.slice(DEFAULT_BURST)).toEqual([false, false, false, false, false]);
    clock.t += 1000;
    const second = Array.from({ length: DEFAULT_EVENTS_PER_SECOND + 5 }, () => emit("token", "x"));
    expect(second.filter(Boolean)).toHaveLength(DEFAULT_EVENTS_PER_SECOND);
    expect(sent).toHaveLength(DEFAULT_BURST + DEFAULT_EVENTS_PER_SECOND);
  });

  it("refills continuously: one token per 1/rate seconds", () => {
    const { emit, clock } = setup({ maxEventsPerSecond: 10, burst: 1 });
    expect(emit("p", 1)).toBe(true);
    expect(emit("p", 2)).toBe(false);
    clock.t += 99;
    expect(emit("p", 3)).toBe(false);
    clock.t += 1;
    expect(emit("p", 4)).toBe(true);
    expect(emit("p", 5)).toBe(false);
  });

  it("never refills above the burst after a long pause", () => {
    const { emit, clock } = setup({ maxEventsPerSecond: 100, burst: 3 });
    clock.t += 3_600_000;
    expect([1, 2, 3, 4].map((i) => emit("p", i))).toEqual([true, true, true, false]);
  });

  it("neither gains nor loses tokens when the clock steps backwards", () => {
    const { emit, clock } = setup({ maxEventsPerSecond: 1, burst: 1 });
    expect(emit("p", 1)).toBe(true);
    clock.t -= 10_000;
    expect(emit("p", 2)).toBe(false);
    clock.t += 10_000 + 1000; // one second after the first event
    expect(emit("p", 3)).toBe(true);
  });

  it("does not charge invalid or oversized events", () => {
    const { emit } = setup({ burst: 2, maxBytes: 10 });
    expect(emit("BAD TYPE", 1)).toBe(false);
    expect(emit("big", "x".repeat(100))).toBe(false);
    expect([emit("ok", 1), emit("ok", 2), emit("ok", 3)]).toEqual([true, true, false]);
  });

  it("falls back to the defaults for nonsense options", () => {
    const { emit } = setup({ maxEventsPerSecond: -1, burst: Number.NaN, maxBytes: 0 });
    const results = Array.from({ length: DEFAULT_BURST + 1 }, () => emit("t", 1));
    expect(results.filter(Boolean)).toHaveLength(DEFAULT_BURST);
    expect(setup({ maxBytes: 0 }).emit("t", "x".repeat(DEFAULT_MAX_EVENT_BYTES - 2))).toBe(true);
  });
});

describe("size cap", () => {
  it(`accepts data whose JSON is exactly ${DEFAULT_MAX_EVENT_BYTES} bytes and refuses one byte more`, () => {
    const { emit, sent } = setup();
    // JSON of a string adds two quote characters.
    expect(emit("chunk", "x".repeat(DEFAULT_MAX_EVENT_BYTES - 2))).toBe(true);
    expect(emit("chunk", "x".repeat(DEFAULT_MAX_EVENT_BYTES - 1))).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it("counts UTF-8 bytes, not characters", () => {
    const { emit } = setup({ maxBytes: 32 });
    expect(emit("t", "é".repeat(15))).toBe(true); // 30 bytes + 2 quotes
    expect(emit("t", "é".repeat(16))).toBe(false); // 16 characters, 34 bytes
    expect(emit("t", "😀".repeat(7))).toBe(true); // 28 bytes + 2
    expect(emit("t", "😀".repeat(8))).toBe(false);
  });

  it("measures nested data as its JSON text", () => {
    const data = { a: [1, 2, 3], b: "cd" };
    expect(JSON.stringify(data)).toHaveLength(22);
    expect(setup({ maxBytes: 22 }).emit("t", data)).toBe(true);
    expect(setup({ maxBytes: 21 }).emit("t", data)).toBe(false);
  });
});

describe("type", () => {
  it.for(["token", "llm.delta", "progress_2", "a", "x-y", "a".repeat(64)])("accepts %j", (type) => {
    expect(setup().emit(type, null)).toBe(true);
  });

  it.for(["", "Token", "has space", "a/b", "ünï", "a".repeat(65), "emoji😀"])("refuses %j", (type) => {
    const { emit, sent, drops } = setup();
    expect(emit(type, null)).toBe(false);
    expect(sent).toEqual([]);
    expect(drops[0]?.reason).toBe("invalid_type");
  });
});

describe("drops and failures", () => {
  it("reports each reason once per emitter, with a message the caller can log", () => {
    const { emit, drops } = setup({ burst: 1, maxBytes: 8 });
    emit("Bad", 1);
    emit("Worse", 1);
    emit("t", "a long string");
    emit("t", "another long one");
    emit("t", 1);
    emit("t", 2);
    emit("t", 3);
    expect(drops.map((d) => d.reason)).toEqual(["invalid_type", "too_large", "rate_limited"]);
    expect(drops[1]).toEqual({ reason: "too_large", type: "t", message: "Event 't' is larger than 8 bytes and was not sent" });
    expect(drops[2]?.message).toBe("Events beyond 20 a second (burst 1) are dropped");
  });

  it("refuses data that is not JSON instead of throwing", () => {
    const { emit, drops } = setup();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(emit("t", cyclic as JsonValue)).toBe(false);
    expect(emit("t", undefined as unknown as JsonValue)).toBe(false);
    expect(emit("t", 10n as unknown as JsonValue)).toBe(false);
    expect(drops.map((d) => d.reason)).toEqual(["not_serializable"]);
  });

  it("returns false when send throws, and keeps working", () => {
    let fail = true;
    const drops: EmitDrop[] = [];
    const emit = createEmitter(
      () => {
        if (fail) throw new Error("socket closed");
      },
      { onDrop: (d) => drops.push(d) },
    );
    expect(emit("t", 1)).toBe(false);
    fail = false;
    expect(emit("t", 2)).toBe(true);
    expect(drops).toEqual([{ reason: "send_failed", type: "t", message: "Event 't' could not be sent: socket closed" }]);
  });

  it("survives an onDrop that throws", () => {
    const emit = createEmitter(() => undefined, {
      onDrop: () => {
        throw new Error("logger down");
      },
    });
    expect(emit("BAD", 1)).toBe(false);
  });

  it("passes type and data to send unchanged", () => {
    const { emit, sent } = setup();
    emit("llm.delta", { text: "Hel", index: 0 });
    expect(sent).toEqual([["llm.delta", { text: "Hel", index: 0 }]]);
  });
});
