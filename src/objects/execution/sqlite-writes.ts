import type { ExecutionEvent } from "../../engine/types";
import { APPLY_BATCH, COUNTERS, WRITES, type WriteName } from "./sqlite-schema";

/** Past this many queued rows a held batch is applied anyway. */
const MAX_HELD_ROWS = 1000;
/**
 * Held writes are applied once the oldest has waited this long, so a crash replays at most about a
 * second of a run's pure steps: what a store's request-id window (REQUEST_ID_WINDOW_MS) must cover.
 */
export const MAX_HELD_MS = 1000;

type IdTable = "steps" | "events" | "tokens";

/**
 * The store's writes: run one by one, or queued by batch() and applied as one statement (see
 * WRITES), with the events to announce once their rows are written. Also numbers new steps, events
 * and tokens as SQLite would (the next id after the highest ever handed out): the object is the only
 * writer of its storage, so writes need not return anything and can be queued.
 */
export class SqliteWrites {
  /**
   * Writes queued by batch(), as [write, ...parameters]. Non-null while writes queue: inside a
   * batch, and after a held one until they are applied.
   */
  private pending: SqlStorageValue[][] | null = null;
  private batching = false;
  /** When the oldest held write was queued; null when none is held. */
  private heldSince: number | null = null;
  private announce: ExecutionEvent[] = [];
  private counters: { steps: number; events: number; tokens: number; memoTokens: Set<number> } | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly onEvent: (event: ExecutionEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  batch<T>(work: () => T, options: { hold?: boolean } = {}): T {
    if (this.batching) return work();
    this.batching = true;
    this.pending ??= [];
    let held = false;
    try {
      const result = work();
      // A long streak of held writes is applied in parts, to keep the statement (and memory) small,
      // and at least every MAX_HELD_MS.
      if (options.hold === true) this.heldSince ??= this.now();
      held = options.hold === true && this.pending.length < MAX_HELD_ROWS && this.now() - (this.heldSince ?? 0) < MAX_HELD_MS;
      return result;
    } finally {
      this.batching = false;
      if (!held) {
        try {
          this.apply();
        } finally {
          this.pending = null;
          this.announce = [];
        }
      }
    }
  }

  /**
   * Applies what batches queued so far (before a read, at a batch's end, and at a flush), then
   * announces its events: as without a batch, an event goes out after its row is written. Held
   * writes stop being held here.
   */
  apply(): void {
    if (!this.pending) return;
    const queued = this.pending;
    const events = this.announce;
    this.heldSince = null;
    this.pending = this.batching ? [] : null;
    this.announce = [];
    if (queued.length === 0) return;
    this.sql.exec(APPLY_BATCH, JSON.stringify(queued));
    for (const event of events) this.onEvent(event);
  }

  write(name: WriteName, ...values: SqlStorageValue[]): void {
    if (this.pending) this.pending.push([name, ...values]);
    else this.sql.exec(WRITES[name], ...values);
  }

  /** Announces the event once its row is written: now, or when the queued writes are applied. */
  announceWhenWritten(event: ExecutionEvent): void {
    if (this.pending) this.announce.push(event);
    else this.onEvent(event);
  }

  nextId(table: IdTable): number {
    return ++this.load()[table];
  }

  /** Tokens with sub-step values: only their removal deletes memo rows. */
  memoTokens(): Set<number> {
    return this.load().memoTokens;
  }

  private load() {
    if (!this.counters) {
      this.apply();
      const row = this.sql.exec(COUNTERS).one();
      const memoTokens = JSON.parse(String(row.memo_tokens ?? "[]")) as number[];
      this.counters = { steps: Number(row.steps), events: Number(row.events), tokens: Number(row.tokens), memoTokens: new Set(memoTokens) };
    }
    return this.counters;
  }
}
