/** The delivery queue driven by a fake clock: the alarm is "fired" by advancing the clock to it. */
import { describe, expect, it } from "vitest";
import { HOURLY_MS, RETRY_WINDOW_MS } from "../../../src/deliveries/backoff";
import { MemoryDeliveryStore } from "../../../src/deliveries/memory-store";
import { DeliveryQueue, LOG_SIZE } from "../../../src/deliveries/queue";
import type { DeliveryAttempt } from "../../../src/deliveries/types";

const T0 = 1_700_000_000_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** A receiver whose answer per attempt the test decides: `answer(messageId, attemptNumber)`. */
function harness(answer: (id: string, attempt: number) => number | "network_error" = () => 200) {
  const store = new MemoryDeliveryStore();
  const sub = { enabled: true, deleted: false, disabledReason: null as string | null };
  const sent: { id: string; at: number; payload: string }[] = [];
  let clock = T0;
  let alarm: number | null = null;
  const queue = new DeliveryQueue({
    store,
    now: () => clock,
    random: () => 0.5,
    subscription: async () =>
      sub.deleted ? null : { enabled: sub.enabled, target: { url: "https://receiver.example/hook", secret: "whsec_c2VjcmV0" } },
    send: async (_target, message): Promise<DeliveryAttempt> => {
      const n = sent.filter((s) => s.id === message.id).length + 1;
      sent.push({ id: message.id, at: clock, payload: message.payload });
      const outcome = answer(message.id, n);
      if (outcome === "network_error") {
        return { at: clock, status: null, latency_ms: 0, error: { code: "network_error", message: "connection refused" }, response: null };
      }
      const ok = outcome >= 200 && outcome < 300;
      return {
        at: clock,
        status: outcome,
        latency_ms: 12,
        error: ok ? null : { code: "http_status", message: `The receiver answered ${outcome}` },
        response: ok ? "ok" : "down",
      };
    },
    disable: async (reason) => {
      sub.enabled = false;
      sub.disabledReason = reason;
    },
    setAlarm: async (at) => {
      alarm = at;
    },
  });
  /** Fires every alarm due up to `until`, moving the clock to each. */
  async function runUntil(until: number): Promise<void> {
    while (alarm !== null && alarm <= until) {
      clock = Math.max(clock, alarm);
      await queue.onAlarm();
    }
    clock = Math.max(clock, until);
  }
  const message = (id: string, type = "execution.completed") => ({ id, event_type: type, payload: JSON.stringify({ type, id }) });
  return {
    queue,
    store,
    sub,
    sent,
    runUntil,
    message,
    alarm: () => alarm,
    now: () => clock,
    advance: (ms: number) => (clock += ms),
  };
}

describe("delivery queue", () => {
  it("sends a message at once and records the attempt", async () => {
    const h = harness();
    expect(await h.queue.enqueue(h.message("msg_1"))).toBe("queued");
    expect(h.alarm()).toBe(T0);
    await h.runUntil(T0);
    const delivery = h.store.get("msg_1")!;
    expect(delivery.status).toBe("delivered");
    expect(delivery.attempt_count).toBe(1);
    expect(delivery.attempts).toEqual([{ at: T0, status: 200, latency_ms: 12, error: null, response: "ok" }]);
    expect(h.alarm()).toBeNull();
  });

  it("keeps one message id: a repeated enqueue sends nothing more", async () => {
    const h = harness();
    await h.queue.enqueue(h.message("msg_1"));
    await h.runUntil(T0);
    expect(await h.queue.enqueue(h.message("msg_1"))).toBe("duplicate");
    await h.runUntil(T0 + HOURLY_MS);
    expect(h.sent.map((s) => s.id)).toEqual(["msg_1"]);
  });

  it("fails 3 times, then succeeds: waits 5 s, 30 s, 2 min in between, same message each time", async () => {
    const h = harness((_id, n) => (n <= 3 ? 503 : 200));
    await h.queue.enqueue(h.message("msg_1"));
    await h.runUntil(T0);
    expect(h.store.get("msg_1")!.status).toBe("pending");
    expect(h.alarm()).toBe(T0 + 5 * SECOND);
    await h.runUntil(T0 + 10 * MINUTE);
    expect(h.sent.map((s) => s.at - T0)).toEqual([0, 5 * SECOND, 35 * SECOND, 155 * SECOND]);
    expect(new Set(h.sent.map((s) => s.payload)).size).toBe(1);
    const delivery = h.store.get("msg_1")!;
    expect(delivery.status).toBe("delivered");
    expect(delivery.attempts.map((a) => a.status)).toEqual([503, 503, 503, 200]);
    expect(delivery.attempts[0]!.error).toEqual({ code: "http_status", message: "The receiver answered 503" });
    expect(h.sub.enabled).toBe(true);
    expect(h.store.state().failing_since).toBeNull();
  });

  it("an alarm fired before the earliest delivery is due sends that one (a test skipping the back-off)", async () => {
    const h = harness((_id, n) => (n === 1 ? 500 : 200));
    await h.queue.enqueue(h.message("msg_1"));
    await h.runUntil(T0);
    expect(h.alarm()).toBe(T0 + 5 * SECOND);
    h.advance(10);
    await h.queue.onAlarm();
    expect(h.store.get("msg_1")!.status).toBe("delivered");
    expect(h.sent.map((s) => s.at - T0)).toEqual([0, 10]);
  });

  it("a receiver down for a day: the delivery fails after 24 hours of retries and the subscription is disabled", async () => {
    const h = harness(() => "network_error");
    await h.queue.enqueue(h.message("msg_1"));
    // Queued later, but due after msg_1 gives up: failed with the subscription.
    await h.runUntil(T0 + 20 * MINUTE);
    await h.queue.enqueue(h.message("msg_2"));
    await h.runUntil(T0 + 2 * RETRY_WINDOW_MS);

    const first = h.store.get("msg_1")!;
    expect(first.status).toBe("failed");
    const times = h.sent.filter((s) => s.id === "msg_1").map((s) => s.at - T0);
    expect(times.slice(0, 7)).toEqual([0, 5, 35, 155, 755, 2555, 6155].map((s) => s * SECOND));
    expect(times.at(-2)!).toBeLessThan(RETRY_WINDOW_MS);
    expect(times.at(-1)!).toBeGreaterThanOrEqual(RETRY_WINDOW_MS);
    expect(first.attempt_count).toBe(30);
    expect(first.attempts).toHaveLength(30);

    expect(h.sub.enabled).toBe(false);
    expect(h.sub.disabledReason).toMatch(/failed for 24 hours.*connection refused/);
    const second = h.store.get("msg_2")!;
    expect(second.status).toBe("failed");
    expect(second.failure).toBe("The subscription was disabled");
    expect(h.alarm()).toBeNull();
  });

  it("is not disabled when the receiver answered in between: only one delivery failed", async () => {
    // msg_1 always fails; msg_2, sent an hour later, goes through.
    const h = harness((id) => (id === "msg_1" ? 500 : 200));
    await h.queue.enqueue(h.message("msg_1"));
    await h.runUntil(T0 + HOURLY_MS);
    await h.queue.enqueue(h.message("msg_2"));
    await h.runUntil(T0 + 2 * RETRY_WINDOW_MS);
    expect(h.store.get("msg_1")!.status).toBe("failed");
    expect(h.store.get("msg_2")!.status).toBe("delivered");
    expect(h.sub.enabled).toBe(true);
  });

  it("redelivers a failed message under the same id, with a new retry window", async () => {
    let up = false;
    const h = harness(() => (up ? 200 : 502));
    await h.queue.enqueue(h.message("msg_1"));
    await h.runUntil(T0 + 2 * RETRY_WINDOW_MS);
    expect(h.store.get("msg_1")!.status).toBe("failed");
    expect(h.sub.enabled).toBe(false);

    // The receiver is fixed and the subscription enabled again (PATCH enabled: true).
    up = true;
    h.sub.enabled = true;
    h.queue.resume();
    expect(h.store.state().failing_since).toBeNull();
    const again = await h.queue.redeliver("msg_1");
    expect(again).toMatchObject({ id: "msg_1", status: "pending", first_attempt_at: null, next_attempt_at: h.now() });
    await h.runUntil(h.now());
    const delivery = h.store.get("msg_1")!;
    expect(delivery.status).toBe("delivered");
    expect(delivery.attempt_count).toBe(31);
    expect(delivery.first_attempt_at).toBe(h.now());
    expect(h.sent.at(-1)!.id).toBe("msg_1");
    expect(await h.queue.redeliver("msg_unknown")).toBeNull();
  });

  it("sends nothing for a disabled subscription: what is due fails, saying why", async () => {
    const h = harness();
    h.sub.enabled = false;
    await h.queue.enqueue(h.message("msg_1"));
    await h.runUntil(T0);
    expect(h.sent).toEqual([]);
    expect(h.store.get("msg_1")).toMatchObject({ status: "failed", failure: "The subscription is disabled", attempt_count: 0 });
  });

  it("drops everything once the subscription is deleted", async () => {
    const h = harness(() => 500);
    await h.queue.enqueue(h.message("msg_1"));
    await h.runUntil(T0);
    h.sub.deleted = true;
    await h.runUntil(T0 + MINUTE);
    expect(h.store.list(10)).toEqual([]);
    expect(h.alarm()).toBeNull();
  });

  it("keeps the newest finished deliveries in the log, and every pending one", async () => {
    const h = harness((id) => (id === "msg_pending" ? 500 : 200));
    await h.queue.enqueue(h.message("msg_pending"));
    for (let i = 0; i < LOG_SIZE + 30; i++) {
      h.advance(1);
      await h.queue.enqueue(h.message(`msg_${String(i).padStart(3, "0")}`));
    }
    await h.runUntil(h.now());
    const kept = h.store.list(1000);
    expect(kept).toHaveLength(LOG_SIZE + 1);
    expect(kept[0]!.id).toBe(`msg_${LOG_SIZE + 29}`);
    expect(kept.some((d) => d.id === "msg_000")).toBe(false);
    expect(kept.find((d) => d.id === "msg_pending")!.status).toBe("pending");
  });
});
