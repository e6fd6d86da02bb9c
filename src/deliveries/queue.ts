/**
 * The delivery queue of one webhook subscription: messages wait here until their receiver answers
 * 2xx, are tried again on a back-off schedule (backoff.ts) while it does not, and fail once their
 * retry window closes. A subscription whose receiver fails for the whole window is disabled. Pure:
 * storage, clock, sender and alarm are ports, so the same code runs in the Durable Object and in
 * tests with a fake clock.
 */
import { nextAttemptAt, RETRY_WINDOW_MS } from "./backoff";
import type { DeliveryTarget, Sender } from "./send";
import type { Delivery, DeliveryAttempt, DeliveryStore } from "./types";

/** Finished deliveries kept in the log (pending ones are always kept). */
export const LOG_SIZE = 100;
/** Pending deliveries a subscription may have; past it new messages are dropped (a receiver long down). */
export const MAX_PENDING = 1000;
/** Attempts kept per delivery: more than a whole retry window makes. */
export const MAX_ATTEMPTS_KEPT = 50;
/** Deliveries sent per alarm, and at once. */
const BATCH = 25;
const CONCURRENCY = 5;
/**
 * An attempt under way holds its delivery this long: no other alarm sends it meanwhile, and if the
 * object dies mid-attempt the delivery is due again once the lease ends.
 */
const LEASE_MS = 60_000;

export interface SubscriptionNow {
  target: DeliveryTarget;
  enabled: boolean;
}

export interface QueuePorts {
  store: DeliveryStore;
  now(): number;
  random(): number;
  /** The subscription as stored now; null once it is deleted. */
  subscription(): Promise<SubscriptionNow | null>;
  send: Sender;
  /** Disables the subscription, saying why (visible in the API). */
  disable(reason: string): Promise<void>;
  setAlarm(at: number | null): Promise<void>;
}

export interface OutboundMessage {
  id: string;
  event_type: string;
  payload: string;
}

export type EnqueueResult = "queued" | "duplicate" | "full";

export class DeliveryQueue {
  constructor(private readonly ports: QueuePorts) {}

  /** Queues a message for its first attempt now. A message id already kept is not queued again. */
  async enqueue(message: OutboundMessage): Promise<EnqueueResult> {
    const { store } = this.ports;
    if (store.pendingCount() >= MAX_PENDING) return store.get(message.id) ? "duplicate" : "full";
    const now = this.ports.now();
    const inserted = store.insert({
      ...message,
      status: "pending",
      created_at: now,
      first_attempt_at: null,
      next_attempt_at: now,
      attempt_count: 0,
      attempts: [],
      failure: null,
    });
    if (!inserted) return "duplicate";
    await this.arm();
    return "queued";
  }

  /**
   * Sends a delivered or failed message again, under the same id, with a retry window of its own;
   * a pending one is tried now. Null when the log no longer has it.
   */
  async redeliver(id: string): Promise<Delivery | null> {
    const { store } = this.ports;
    const delivery = store.get(id);
    if (!delivery) return null;
    const now = this.ports.now();
    const again: Delivery = {
      ...delivery,
      status: "pending",
      first_attempt_at: delivery.status === "pending" ? delivery.first_attempt_at : null,
      next_attempt_at: now,
      failure: null,
    };
    store.put(again);
    await this.arm();
    return again;
  }

  /** The subscription was enabled again: its failure streak starts over. */
  resume(): void {
    this.ports.store.setState({ ...this.ports.store.state(), failing_since: null });
  }

  /** Sends what is due; the alarm's handler. */
  async onAlarm(): Promise<void> {
    const { store } = this.ports;
    // The alarm is armed for the earliest due delivery: when it fires, that one is due, even if the
    // clock says a little early (and a test can fire it at once to skip a back-off wait).
    const due = store.due(Math.max(this.ports.now(), store.nextDue() ?? 0), BATCH);
    if (due.length > 0) {
      const subscription = await this.ports.subscription();
      if (!subscription) {
        // Deleted: nothing of it is worth keeping.
        store.clear();
        await this.ports.setAlarm(null);
        return;
      }
      if (subscription.enabled) await this.sendAll(subscription.target, due);
      else this.failPending("The subscription is disabled");
    }
    store.prune(LOG_SIZE);
    await this.arm();
  }

  private async sendAll(target: DeliveryTarget, due: Delivery[]): Promise<void> {
    const { store } = this.ports;
    const leaseEnd = this.ports.now() + LEASE_MS;
    for (const delivery of due) store.put({ ...delivery, next_attempt_at: leaseEnd });
    const outcome: { disable: string | null } = { disable: null };
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const delivery = due[next++]!;
        const attempt = await this.ports.send(target, delivery);
        outcome.disable = this.record(delivery, attempt) ?? outcome.disable;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
    if (outcome.disable !== null) {
      await this.ports.disable(outcome.disable);
      this.failPending("The subscription was disabled");
    }
  }

  /** Stores an attempt's outcome; returns why the subscription must be disabled, if it must. */
  private record(delivery: Delivery, attempt: DeliveryAttempt): string | null {
    const { store } = this.ports;
    const now = this.ports.now();
    const firstAt = delivery.first_attempt_at ?? attempt.at;
    const attempts = [...delivery.attempts, attempt].slice(-MAX_ATTEMPTS_KEPT);
    const base = { ...delivery, first_attempt_at: firstAt, attempt_count: delivery.attempt_count + 1, attempts };
    const state = store.state();
    if (attempt.error === null) {
      store.put({ ...base, status: "delivered", next_attempt_at: null });
      if (state.failing_since !== null) store.setState({ ...state, failing_since: null });
      return null;
    }
    const failingSince = state.failing_since ?? attempt.at;
    if (state.failing_since === null) store.setState({ ...state, failing_since: failingSince });
    const failures = attempts.filter((a) => a.at >= firstAt && a.error !== null).length;
    const retryAt = nextAttemptAt(firstAt, now, failures, () => this.ports.random());
    if (retryAt !== null) {
      store.put({ ...base, status: "pending", next_attempt_at: retryAt });
      return null;
    }
    store.put({ ...base, status: "failed", next_attempt_at: null });
    // Nothing was delivered for the whole window: the receiver is gone, not blinking.
    if (now - failingSince < RETRY_WINDOW_MS) return null;
    return `Every delivery failed for ${RETRY_WINDOW_MS / 3_600_000} hours; the last answer: ${attempt.error.message}`;
  }

  private failPending(reason: string): void {
    const { store } = this.ports;
    for (const delivery of store.pending()) store.put({ ...delivery, status: "failed", next_attempt_at: null, failure: reason });
  }

  private async arm(): Promise<void> {
    await this.ports.setAlarm(this.ports.store.nextDue());
  }
}
