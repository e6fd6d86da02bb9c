/**
 * Outbound webhook deliveries of one subscription: what the queue keeps, and the storage it keeps it
 * in. Times are epoch milliseconds of the host's clock.
 */

export type DeliveryStatus = "pending" | "delivered" | "failed";

/** One try: a POST and what came back (or why nothing did). */
export interface DeliveryAttempt {
  at: number;
  /** The HTTP status, or null when no answer came (network error, timeout, refused address). */
  status: number | null;
  latency_ms: number;
  error: { code: string; message: string } | null;
  /** The start of the answer's body (at most RESPONSE_EXCERPT_BYTES). */
  response: string | null;
}

/** A message to one subscription: sent until a receiver answers 2xx or the retry window closes. */
export interface Delivery {
  /** `msg_…`: the Standard Webhooks `webhook-id`, the same on every attempt. */
  id: string;
  event_type: string;
  /** The JSON body, exactly as signed and sent. */
  payload: string;
  status: DeliveryStatus;
  created_at: number;
  /** The first attempt of the current retry window (a redelivery opens a new one). */
  first_attempt_at: number | null;
  /** When the next attempt is due; null unless pending. */
  next_attempt_at: number | null;
  /** Attempts made in all, including those no longer kept in `attempts`. */
  attempt_count: number;
  /** The latest attempts, oldest first (at most MAX_ATTEMPTS_KEPT). */
  attempts: DeliveryAttempt[];
  /** Why a failed delivery stopped before its retry window ended (the subscription was disabled); else null. */
  failure: string | null;
}

/** What the queue remembers besides deliveries. */
export interface QueueState {
  /** The first failed attempt since the last delivered one; null while the receiver answers. */
  failing_since: number | null;
}

/**
 * The queue's storage. Synchronous, like the Durable Object's SQLite storage it is written for;
 * lists are newest first by (created_at, id).
 */
export interface DeliveryStore {
  /** Adds a delivery; false (and nothing written) when one with its id is already kept. */
  insert(delivery: Delivery): boolean;
  get(id: string): Delivery | null;
  /** Replaces the delivery with its id. */
  put(delivery: Delivery): void;
  /** Pending deliveries due at `now`, the earliest first. */
  due(now: number, limit: number): Delivery[];
  /** Every pending delivery, the earliest due first. */
  pending(): Delivery[];
  pendingCount(): number;
  /** The earliest `next_attempt_at` of a pending delivery. */
  nextDue(): number | null;
  /** Newest first; `before` is the (created_at, id) of the last item of the previous page. */
  list(limit: number, before?: { created_at: number; id: string }): Delivery[];
  /** Deletes delivered and failed deliveries beyond the newest `keep` of them. */
  prune(keep: number): void;
  state(): QueueState;
  setState(state: QueueState): void;
  /** Deletes everything. */
  clear(): void;
}
