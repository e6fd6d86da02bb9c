import type { ExecutionStore } from "../../engine/store";
import type { EventType, ExecutionEvent, ExecutionState, NewToken, StepRecord, Timer, TimerKind, Token } from "../../engine/types";
import type { Usage } from "../../engine/usage";
import type { JsonValue } from "../../lib/json";
import { json, text, toStep, toTimer, toToken } from "./sqlite-rows";
import { BATCH_SCHEMA, SCHEMA } from "./sqlite-schema";
import { SqliteWrites } from "./sqlite-writes";

export interface SqliteStoreOptions {
  /** Resolves once every write so far is durable (the object's storage.sync()). */
  sync: () => Promise<void>;
  /** Called with each event once its row is written (live watchers). */
  onEvent: (event: ExecutionEvent) => void;
  /** The host's clock, for events' `at`. */
  now: () => number;
  /**
   * Create the tables with the first saved state rather than at once, so an object that never
   * started a run (or whose run was deleted) stays empty when a late request reaches it. Until
   * then `load()` answers null and nothing else may be called.
   */
  lazySchema?: boolean;
}

/**
 * The engine's store over a Durable Object's SQLite storage.
 *
 * Tokens (branch positions) are read several times per step, so the store keeps them in memory as
 * well, written through: SQLite stays the record, and the copy is what this object wrote there. The
 * object is the only writer of its storage, so the copy cannot go stale; callers get copies of it.
 * Writes go through SqliteWrites (batching, ids).
 */
export class SqliteExecutionStore implements ExecutionStore {
  private cachedTokens: Map<number, Token> | null = null;
  private readonly writes: SqliteWrites;
  /** Whether the execution row exists (so saving the state is an UPDATE). */
  private stateSaved = false;
  /** Whether the tables exist (see SqliteStoreOptions.lazySchema). */
  private schemaReady: boolean;

  constructor(
    private readonly sql: SqlStorage,
    private readonly options: SqliteStoreOptions,
  ) {
    this.schemaReady =
      options.lazySchema !== true ||
      sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'execution'").toArray().length > 0;
    if (this.schemaReady) sql.exec(SCHEMA + BATCH_SCHEMA);
    this.writes = new SqliteWrites(sql, options.onEvent, options.now);
  }

  batch<T>(work: () => T, options: { hold?: boolean } = {}): T {
    return this.writes.batch(work, options);
  }

  flush(): Promise<void> {
    this.writes.apply();
    return this.options.sync();
  }

  load(): ExecutionState | null {
    if (!this.schemaReady) return null;
    this.writes.apply();
    const row = this.sql.exec("SELECT state, flow FROM execution WHERE id = 1").toArray()[0];
    if (!row) return null;
    this.stateSaved = true;
    // Every step record is one counted step (the engine does not save the state for each).
    const stepCount = Number(this.sql.exec("SELECT count(*) AS n FROM steps").one().n);
    return {
      ...(JSON.parse(String(row.state)) as Omit<ExecutionState, "flow">),
      flow: JSON.parse(String(row.flow)) as ExecutionState["flow"],
      step_count: stepCount,
    };
  }

  save(state: ExecutionState): void {
    // The pinned flow never changes, so it is written once; the state is rewritten when it changes.
    const { flow, ...rest } = state;
    const stateJson = JSON.stringify(rest);
    if (this.stateSaved) return this.writes.write("state", stateJson);
    if (!this.schemaReady) {
      this.sql.exec(SCHEMA + BATCH_SCHEMA);
      this.schemaReady = true;
    }
    this.writes.apply();
    const updated = this.sql.exec("UPDATE execution SET state = ? WHERE id = 1", stateJson).rowsWritten;
    if (updated === 0) this.sql.exec("INSERT INTO execution (id, state, flow) VALUES (1, ?, ?)", stateJson, JSON.stringify(flow));
    this.stateSaved = true;
  }

  tokens(): Token[] {
    return Array.from(this.tokenMap().values(), (t) => ({ ...t }));
  }

  token(id: number): Token | null {
    const token = this.tokenMap().get(id);
    return token ? { ...token } : null;
  }

  /** Ids only grow, so insertion order is id order, as `ORDER BY id` gave. */
  private tokenMap(): Map<number, Token> {
    if (!this.cachedTokens) this.writes.apply();
    this.cachedTokens ??= new Map(
      this.sql
        .exec("SELECT * FROM tokens ORDER BY id")
        .toArray()
        .map((row) => [Number(row.id), toToken(row)]),
    );
    return this.cachedTokens;
  }

  addToken(token: NewToken): Token {
    const map = this.tokenMap();
    const added: Token = { ...token, id: this.writes.nextId("tokens") };
    this.writes.write(
      "token_add",
      added.id,
      added.node_id,
      added.state,
      text(added.input),
      added.attempt,
      added.from_node,
      text(added.pending),
      added.step_seq,
    );
    map.set(added.id, added);
    return { ...added };
  }

  updateToken(token: Token): void {
    const map = this.tokenMap();
    // A token's input never changes after it is added: skip writing (and serialising) it again.
    const input = map.get(token.id)?.input === token.input ? null : text(token.input);
    this.writes.write(
      "token_update",
      token.id,
      token.node_id,
      token.state,
      input,
      token.attempt,
      token.from_node,
      text(token.pending),
      token.step_seq,
    );
    if (map.has(token.id)) map.set(token.id, { ...token });
  }

  removeToken(id: number): void {
    this.writes.write("token_remove", id);
    const memoTokens = this.writes.memoTokens();
    if (memoTokens.delete(id)) this.writes.write("memo_clear", id);
    this.tokenMap().delete(id);
  }

  memo(tokenId: number, key: string): { value: JsonValue } | undefined {
    if (!this.writes.memoTokens().has(tokenId)) return undefined;
    this.writes.apply();
    const row = this.sql.exec("SELECT value FROM memos WHERE token_id = ? AND key = ?", tokenId, key).toArray()[0];
    return row ? { value: json(row.value) } : undefined;
  }

  putMemo(tokenId: number, key: string, value: JsonValue): void {
    this.writes.memoTokens().add(tokenId);
    this.writes.write("memo_put", tokenId, key, text(value));
  }

  startStep(step: Omit<StepRecord, "seq" | "usage">): number {
    const seq = this.writes.nextId("steps");
    this.writes.write(
      "step_start",
      seq,
      step.token_id,
      step.node_id,
      step.attempt,
      step.status,
      step.action,
      text(step.input),
      step.output === null ? null : text(step.output),
      step.error === null ? null : JSON.stringify(step.error),
      step.started_at,
      step.finished_at,
    );
    return seq;
  }

  finishStep(seq: number, patch: Pick<StepRecord, "status" | "action" | "output" | "error" | "finished_at">): void {
    this.writes.write(
      "step_finish",
      seq,
      patch.status,
      patch.action,
      patch.output === null ? null : text(patch.output),
      patch.error === null ? null : JSON.stringify(patch.error),
      patch.finished_at,
    );
  }

  steps(options: { after?: number; limit?: number; node_id?: string } = {}): StepRecord[] {
    this.writes.apply();
    const after = options.after ?? 0;
    const limit = options.limit ?? 1000;
    const select = "SELECT steps.*, step_usage.usage FROM steps LEFT JOIN step_usage ON step_usage.seq = steps.seq";
    const rows = options.node_id
      ? this.sql.exec(`${select} WHERE steps.seq > ? AND node_id = ? ORDER BY steps.seq LIMIT ?`, after, options.node_id, limit)
      : this.sql.exec(`${select} WHERE steps.seq > ? ORDER BY steps.seq LIMIT ?`, after, limit);
    return rows.toArray().map(toStep);
  }

  setStepUsage(seq: number, usage: Usage): void {
    this.writes.write("usage_put", seq, JSON.stringify(usage));
  }

  usage(): Usage | null {
    this.writes.apply();
    const rows = this.sql
      .exec(
        "SELECT c.key AS name, total(c.value) AS amount FROM step_usage, json_each(step_usage.usage) AS c GROUP BY c.key ORDER BY c.key",
      )
      .toArray();
    return rows.length ? Object.fromEntries(rows.map((row) => [String(row.name), Number(row.amount)])) : null;
  }

  results(): Record<string, JsonValue> {
    this.writes.apply();
    const out: Record<string, JsonValue> = {};
    for (const row of this.sql.exec("SELECT node_id, output FROM results")) out[String(row.node_id)] = json(row.output);
    return out;
  }

  setResult(nodeId: string, output: JsonValue): void {
    this.writes.write("result", nodeId, text(output));
  }

  appendEvent(type: EventType, nodeId: string | null, data: JsonValue): ExecutionEvent {
    const at = new Date(this.options.now()).toISOString();
    const seq = this.writes.nextId("events");
    this.writes.write("event", seq, at, type, nodeId, text(data));
    const event: ExecutionEvent = { seq, at, type, node_id: nodeId, data };
    this.writes.announceWhenWritten(event);
    return event;
  }

  events(options: { after?: number; limit?: number; types?: EventType[]; node_id?: string; level?: string } = {}): ExecutionEvent[] {
    const clauses = ["seq > ?"];
    const args: SqlStorageValue[] = [options.after ?? 0];
    if (options.types?.length) {
      clauses.push(`type IN (${options.types.map(() => "?").join(", ")})`);
      args.push(...options.types);
    }
    if (options.node_id) {
      clauses.push("node_id = ?");
      args.push(options.node_id);
    }
    if (options.level) {
      clauses.push("json_extract(data, '$.level') = ?");
      args.push(options.level);
    }
    args.push(options.limit ?? 1000);
    this.writes.apply();
    return this.sql
      .exec(`SELECT * FROM events WHERE ${clauses.join(" AND ")} ORDER BY seq LIMIT ?`, ...args)
      .toArray()
      .map((row) => ({
        seq: Number(row.seq),
        at: String(row.at),
        type: String(row.type) as EventType,
        node_id: row.node_id === null ? null : String(row.node_id),
        data: json(row.data),
      }));
  }

  addTimer(kind: TimerKind, fireAt: number, tokenId: number | null): void {
    this.writes.apply();
    this.sql.exec("INSERT INTO timers (fire_at, kind, token_id) VALUES (?, ?, ?)", fireAt, kind, tokenId);
  }

  removeTimers(filter: { id?: number; token_id?: number; kind?: TimerKind }): void {
    const clauses: string[] = [];
    const args: SqlStorageValue[] = [];
    for (const [column, value] of Object.entries(filter)) {
      if (value === undefined) continue;
      clauses.push(`${column} = ?`);
      args.push(value);
    }
    this.writes.apply();
    this.sql.exec(`DELETE FROM timers${clauses.length ? ` WHERE ${clauses.join(" AND ")}` : ""}`, ...args);
  }

  dueTimers(now: number): Timer[] {
    this.writes.apply();
    return this.sql.exec("SELECT * FROM timers WHERE fire_at <= ? ORDER BY fire_at, id", now).toArray().map(toTimer);
  }

  nextTimer(): Timer | null {
    this.writes.apply();
    const row = this.sql.exec("SELECT * FROM timers ORDER BY fire_at, id LIMIT 1").toArray()[0];
    return row ? toTimer(row) : null;
  }

  takeInbox(name: string): JsonValue | undefined {
    this.writes.apply();
    const row = this.sql.exec("SELECT seq, payload FROM inbox WHERE name = ? ORDER BY seq LIMIT 1", name).toArray()[0];
    if (!row) return undefined;
    this.sql.exec("DELETE FROM inbox WHERE seq = ?", row.seq);
    return json(row.payload);
  }

  putInbox(name: string, payload: JsonValue): void {
    this.writes.apply();
    this.sql.exec("INSERT INTO inbox (name, payload) VALUES (?, ?)", name, text(payload));
  }
}
