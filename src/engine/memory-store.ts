import type { JsonValue } from "../lib/json";
import type { ExecutionStore } from "./store";
import { addUsage, type Usage } from "./usage";
import type { EventType, ExecutionEvent, ExecutionState, NewToken, StepRecord, Timer, TimerKind, Token } from "./types";

/** Past this many queued writes a held batch is applied anyway (as in the SQLite store). */
const MAX_HELD_WRITES = 1000;

/** Everything one execution stores. */
interface Tables {
  state: ExecutionState | null;
  tokens: Map<number, Token>;
  steps: StepRecord[];
  results: Map<string, JsonValue>;
  events: ExecutionEvent[];
  timers: Timer[];
  inbox: { seq: number; name: string; payload: JsonValue }[];
  memos: Map<number, Map<string, JsonValue>>;
  ids: { tokens: number; events: number; timers: number; inbox: number };
}

const emptyTables = (): Tables => ({
  state: null,
  tokens: new Map(),
  steps: [],
  results: new Map(),
  events: [],
  timers: [],
  inbox: [],
  memos: new Map(),
  ids: { tokens: 0, events: 0, timers: 0, inbox: 0 },
});

export interface MemoryStoreOptions {
  /** The host's clock, for events' `at`. */
  now: () => number;
  /** Called with each event once it is written (applied, in batch terms). */
  onEvent?: (event: ExecutionEvent) => void;
}

/**
 * An ExecutionStore in memory, with the SQLite store's semantics: values are copied in and out (as
 * if serialised), `step_count` on load is the number of step records, batch() applies its writes at
 * its end and a held batch's writes stay queued until the next batch that is not held, a read, a
 * flush or MAX_HELD_WRITES (events are announced when applied). Durability is modelled too: only
 * what a flush() covered survives crash(), which gives the store a restarted object would see.
 */
export class MemoryExecutionStore implements ExecutionStore {
  private live: Tables;
  private durable: Tables;
  /** Writes queued by batches, or null when none are (see batch). */
  private queued: number | null = null;
  private batching = false;
  private announce: ExecutionEvent[] = [];
  /** How many times flush() was called: tests check that an effect waited for one. */
  flushes = 0;

  constructor(
    private readonly options: MemoryStoreOptions,
    durable: Tables = emptyTables(),
  ) {
    this.durable = durable;
    this.live = structuredClone(durable);
  }

  /** The store a restarted object finds: what was flushed, nothing after. This store is left as it was. */
  crash(options: MemoryStoreOptions = this.options): MemoryExecutionStore {
    return new MemoryExecutionStore(options, structuredClone(this.durable));
  }

  batch<T>(work: () => T, options: { hold?: boolean } = {}): T {
    if (this.batching) return work();
    this.batching = true;
    this.queued ??= 0;
    let held = false;
    try {
      const result = work();
      held = options.hold === true && this.queued < MAX_HELD_WRITES;
      return result;
    } finally {
      this.batching = false;
      if (!held) {
        try {
          this.apply();
        } finally {
          this.queued = null;
          this.announce = [];
        }
      }
    }
  }

  async flush(): Promise<void> {
    this.apply();
    this.flushes++;
    this.durable = structuredClone(this.live);
  }

  /** What a read or a flush does first: applies queued writes, announcing their events. */
  private apply(): void {
    if (this.queued === null) return;
    const events = this.announce;
    this.queued = this.batching ? 0 : null;
    this.announce = [];
    for (const event of events) this.options.onEvent?.(structuredClone(event));
  }

  private wrote(): void {
    if (this.queued !== null) this.queued++;
  }

  load(): ExecutionState | null {
    this.apply();
    const state = this.live.state;
    return state ? { ...structuredClone(state), step_count: this.live.steps.length } : null;
  }

  save(state: ExecutionState): void {
    this.live.state = structuredClone(state);
    this.wrote();
  }

  tokens(): Token[] {
    return Array.from(this.live.tokens.values(), (t) => structuredClone(t));
  }

  token(id: number): Token | null {
    const token = this.live.tokens.get(id);
    return token ? structuredClone(token) : null;
  }

  addToken(token: NewToken): Token {
    const added: Token = { ...structuredClone(token), id: ++this.live.ids.tokens };
    this.live.tokens.set(added.id, added);
    this.wrote();
    return structuredClone(added);
  }

  updateToken(token: Token): void {
    if (this.live.tokens.has(token.id)) this.live.tokens.set(token.id, structuredClone(token));
    this.wrote();
  }

  removeToken(id: number): void {
    this.live.tokens.delete(id);
    this.live.memos.delete(id);
    this.wrote();
  }

  memo(tokenId: number, key: string): { value: JsonValue } | undefined {
    const memos = this.live.memos.get(tokenId);
    if (!memos?.has(key)) return undefined;
    this.apply();
    return { value: structuredClone(memos.get(key)!) };
  }

  putMemo(tokenId: number, key: string, value: JsonValue): void {
    let memos = this.live.memos.get(tokenId);
    if (!memos) this.live.memos.set(tokenId, (memos = new Map()));
    memos.set(key, structuredClone(value));
    this.wrote();
  }

  startStep(step: Omit<StepRecord, "seq" | "usage">): number {
    const seq = this.live.steps.length + 1;
    this.live.steps.push({ ...structuredClone(step), seq, usage: null });
    this.wrote();
    return seq;
  }

  finishStep(seq: number, patch: Pick<StepRecord, "status" | "action" | "output" | "error" | "finished_at">): void {
    const step = this.live.steps[seq - 1];
    if (step) Object.assign(step, structuredClone(patch));
    this.wrote();
  }

  steps(options: { after?: number; limit?: number; node_id?: string } = {}): StepRecord[] {
    this.apply();
    return this.live.steps
      .filter((s) => s.seq > (options.after ?? 0) && (!options.node_id || s.node_id === options.node_id))
      .slice(0, options.limit ?? 1000)
      .map((s) => structuredClone(s));
  }

  setStepUsage(seq: number, usage: Usage): void {
    const step = this.live.steps[seq - 1];
    if (step) step.usage = { ...usage };
    this.wrote();
  }

  usage(): Usage | null {
    this.apply();
    const reported = this.live.steps.flatMap((s) => (s.usage ? [s.usage] : []));
    return reported.length ? reported.reduce(addUsage, {}) : null;
  }

  results(): Record<string, JsonValue> {
    this.apply();
    return structuredClone(Object.fromEntries(this.live.results));
  }

  setResult(nodeId: string, output: JsonValue): void {
    this.live.results.set(nodeId, structuredClone(output));
    this.wrote();
  }

  appendEvent(type: EventType, nodeId: string | null, data: JsonValue): ExecutionEvent {
    const event: ExecutionEvent = {
      seq: ++this.live.ids.events,
      at: new Date(this.options.now()).toISOString(),
      type,
      node_id: nodeId,
      data: structuredClone(data),
    };
    this.live.events.push(event);
    this.wrote();
    if (this.queued !== null) this.announce.push(event);
    else this.options.onEvent?.(structuredClone(event));
    return structuredClone(event);
  }

  events(options: { after?: number; limit?: number; types?: EventType[]; node_id?: string; level?: string } = {}): ExecutionEvent[] {
    this.apply();
    const level = (e: ExecutionEvent) => typeof e.data === "object" && e.data !== null && !Array.isArray(e.data) && e.data.level;
    return this.live.events
      .filter(
        (e) =>
          e.seq > (options.after ?? 0) &&
          (!options.types?.length || options.types.includes(e.type)) &&
          (!options.node_id || e.node_id === options.node_id) &&
          (!options.level || level(e) === options.level),
      )
      .slice(0, options.limit ?? 1000)
      .map((e) => structuredClone(e));
  }

  addTimer(kind: TimerKind, fireAt: number, tokenId: number | null): void {
    this.apply();
    this.live.timers.push({ id: ++this.live.ids.timers, fire_at: fireAt, kind, token_id: tokenId });
  }

  removeTimers(filter: { id?: number; token_id?: number; kind?: TimerKind }): void {
    this.apply();
    this.live.timers = this.live.timers.filter(
      (t) =>
        !(
          (filter.id === undefined || t.id === filter.id) &&
          (filter.token_id === undefined || t.token_id === filter.token_id) &&
          (filter.kind === undefined || t.kind === filter.kind)
        ),
    );
  }

  dueTimers(now: number): Timer[] {
    this.apply();
    return this.sortedTimers()
      .filter((t) => t.fire_at <= now)
      .map((t) => ({ ...t }));
  }

  nextTimer(): Timer | null {
    this.apply();
    const first = this.sortedTimers()[0];
    return first ? { ...first } : null;
  }

  private sortedTimers(): Timer[] {
    return [...this.live.timers].sort((a, b) => a.fire_at - b.fire_at || a.id - b.id);
  }

  takeInbox(name: string): JsonValue | undefined {
    this.apply();
    const index = this.live.inbox.findIndex((m) => m.name === name);
    if (index < 0) return undefined;
    const [message] = this.live.inbox.splice(index, 1);
    return structuredClone(message!.payload);
  }

  putInbox(name: string, payload: JsonValue): void {
    this.apply();
    this.live.inbox.push({ seq: ++this.live.ids.inbox, name, payload: structuredClone(payload) });
  }
}
