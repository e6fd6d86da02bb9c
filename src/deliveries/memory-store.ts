import type { Delivery, DeliveryStore, QueueState } from "./types";

const newestFirst = (a: Delivery, b: Delivery) => b.created_at - a.created_at || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
const dueFirst = (a: Delivery, b: Delivery) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0);
const copy = (d: Delivery): Delivery => ({ ...d, attempts: d.attempts.map((a) => ({ ...a })) });

/** A DeliveryStore in memory, with the semantics of the SQLite one (tests, other runtimes). */
export class MemoryDeliveryStore implements DeliveryStore {
  private readonly rows = new Map<string, Delivery>();
  private queueState: QueueState = { failing_since: null };

  insert(delivery: Delivery): boolean {
    if (this.rows.has(delivery.id)) return false;
    this.rows.set(delivery.id, copy(delivery));
    return true;
  }

  get(id: string): Delivery | null {
    const row = this.rows.get(id);
    return row ? copy(row) : null;
  }

  put(delivery: Delivery): void {
    this.rows.set(delivery.id, copy(delivery));
  }

  due(now: number, limit: number): Delivery[] {
    return this.pending()
      .filter((d) => d.next_attempt_at !== null && d.next_attempt_at <= now)
      .slice(0, limit);
  }

  pending(): Delivery[] {
    return [...this.rows.values()]
      .filter((d) => d.status === "pending")
      .sort(dueFirst)
      .map(copy);
  }

  pendingCount(): number {
    return this.pending().length;
  }

  nextDue(): number | null {
    return this.pending()[0]?.next_attempt_at ?? null;
  }

  list(limit: number, before?: { created_at: number; id: string }): Delivery[] {
    const all = [...this.rows.values()].sort(newestFirst);
    const start = before
      ? all.filter((d) => d.created_at < before.created_at || (d.created_at === before.created_at && d.id < before.id))
      : all;
    return start.slice(0, limit).map(copy);
  }

  prune(keep: number): void {
    const finished = [...this.rows.values()].filter((d) => d.status !== "pending").sort(newestFirst);
    for (const old of finished.slice(keep)) this.rows.delete(old.id);
  }

  state(): QueueState {
    return { ...this.queueState };
  }

  setState(state: QueueState): void {
    this.queueState = { ...state };
  }

  clear(): void {
    this.rows.clear();
    this.queueState = { failing_since: null };
  }
}
