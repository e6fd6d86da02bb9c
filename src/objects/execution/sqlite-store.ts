import type { ExecutionStore } from "../../engine/store";
import type { EventType, ExecutionEvent, ExecutionState, StepRecord, Timer, TimerKind, Token } from "../../engine/types";
import type { JsonValue } from "../../sandbox";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS execution (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, flow TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, node_id TEXT NOT NULL, state TEXT NOT NULL,
  input TEXT NOT NULL, attempt INTEGER NOT NULL, from_node TEXT, pending TEXT, step_seq INTEGER);
CREATE TABLE IF NOT EXISTS steps (seq INTEGER PRIMARY KEY AUTOINCREMENT, token_id INTEGER NOT NULL, node_id TEXT NOT NULL,
  attempt INTEGER NOT NULL, status TEXT NOT NULL, action TEXT, input TEXT NOT NULL, output TEXT, error TEXT,
  started_at TEXT NOT NULL, finished_at TEXT);
CREATE INDEX IF NOT EXISTS steps_node ON steps (node_id, seq);
CREATE TABLE IF NOT EXISTS results (node_id TEXT PRIMARY KEY, output TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, type TEXT NOT NULL, node_id TEXT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS timers (id INTEGER PRIMARY KEY AUTOINCREMENT, fire_at INTEGER NOT NULL, kind TEXT NOT NULL, token_id INTEGER);
CREATE INDEX IF NOT EXISTS timers_fire ON timers (fire_at);
CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, payload TEXT NOT NULL);
`;

type Row = Record<string, SqlStorageValue | undefined>;
const json = (value: SqlStorageValue | undefined): JsonValue => (value === null || value === undefined ? null : (JSON.parse(String(value)) as JsonValue));
const text = (value: JsonValue | undefined): string => JSON.stringify(value ?? null);

/**
 * The engine's store over a Durable Object's SQLite storage.
 *
 * Tokens (branch positions) are read several times per step, so the store keeps them in memory as
 * well, written through: SQLite stays the record, and the copy is what this object wrote there. The
 * object is the only writer of its storage, so the copy cannot go stale; callers get copies of it.
 */
export class SqliteExecutionStore implements ExecutionStore {
  private cachedTokens: Map<number, Token> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly sync: () => Promise<void>,
    private readonly onEvent: (event: ExecutionEvent) => void,
  ) {
    sql.exec(SCHEMA);
  }

  load(): ExecutionState | null {
    const row = this.sql.exec("SELECT state, flow FROM execution WHERE id = 1").toArray()[0];
    if (!row) return null;
    // Every step record is one counted step (the engine does not save the state for each).
    const stepCount = Number(this.sql.exec("SELECT count(*) AS n FROM steps").one().n);
    return { ...(JSON.parse(String(row.state)) as Omit<ExecutionState, "flow">), flow: JSON.parse(String(row.flow)) as ExecutionState["flow"], step_count: stepCount };
  }

  save(state: ExecutionState): void {
    // The pinned flow never changes, so it is written once; the state is rewritten at every step.
    const { flow, ...rest } = state;
    const json = JSON.stringify(rest);
    const updated = this.sql.exec("UPDATE execution SET state = ? WHERE id = 1", json).rowsWritten;
    if (updated === 0) this.sql.exec("INSERT INTO execution (id, state, flow) VALUES (1, ?, ?)", json, JSON.stringify(flow));
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
    this.cachedTokens ??= new Map(this.sql.exec("SELECT * FROM tokens ORDER BY id").toArray().map((row) => [Number(row.id), toToken(row)]));
    return this.cachedTokens;
  }

  addToken(token: Omit<Token, "id">): Token {
    const row = this.sql
      .exec(
        "INSERT INTO tokens (node_id, state, input, attempt, from_node, pending, step_seq) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        token.node_id,
        token.state,
        text(token.input),
        token.attempt,
        token.from_node,
        text(token.pending),
        token.step_seq,
      )
      .one();
    const added = { ...token, id: Number(row.id) };
    this.tokenMap().set(added.id, added);
    return { ...added };
  }

  updateToken(token: Token): void {
    const map = this.tokenMap();
    // A token's input never changes after it is added: skip writing (and serialising) it again.
    if (map.get(token.id)?.input === token.input) {
      this.sql.exec(
        "UPDATE tokens SET node_id = ?, state = ?, attempt = ?, from_node = ?, pending = ?, step_seq = ? WHERE id = ?",
        token.node_id,
        token.state,
        token.attempt,
        token.from_node,
        text(token.pending),
        token.step_seq,
        token.id,
      );
    } else {
      this.sql.exec(
        "UPDATE tokens SET node_id = ?, state = ?, input = ?, attempt = ?, from_node = ?, pending = ?, step_seq = ? WHERE id = ?",
        token.node_id,
        token.state,
        text(token.input),
        token.attempt,
        token.from_node,
        text(token.pending),
        token.step_seq,
        token.id,
      );
    }
    if (map.has(token.id)) map.set(token.id, { ...token });
  }

  removeToken(id: number): void {
    this.sql.exec("DELETE FROM tokens WHERE id = ?", id);
    this.tokenMap().delete(id);
  }

  startStep(step: Omit<StepRecord, "seq">): number {
    const row = this.sql
      .exec(
        "INSERT INTO steps (token_id, node_id, attempt, status, action, input, output, error, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
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
      )
      .one();
    return Number(row.seq);
  }

  finishStep(seq: number, patch: Pick<StepRecord, "status" | "action" | "output" | "error" | "finished_at">): void {
    this.sql.exec(
      "UPDATE steps SET status = ?, action = ?, output = ?, error = ?, finished_at = ? WHERE seq = ?",
      patch.status,
      patch.action,
      patch.output === null ? null : text(patch.output),
      patch.error === null ? null : JSON.stringify(patch.error),
      patch.finished_at,
      seq,
    );
  }

  steps(options: { after?: number; limit?: number; node_id?: string } = {}): StepRecord[] {
    const rows = options.node_id
      ? this.sql.exec("SELECT * FROM steps WHERE seq > ? AND node_id = ? ORDER BY seq LIMIT ?", options.after ?? 0, options.node_id, options.limit ?? 1000)
      : this.sql.exec("SELECT * FROM steps WHERE seq > ? ORDER BY seq LIMIT ?", options.after ?? 0, options.limit ?? 1000);
    return rows.toArray().map(toStep);
  }

  results(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    for (const row of this.sql.exec("SELECT node_id, output FROM results")) out[String(row.node_id)] = json(row.output);
    return out;
  }

  setResult(nodeId: string, output: JsonValue): void {
    this.sql.exec("INSERT INTO results (node_id, output) VALUES (?, ?) ON CONFLICT (node_id) DO UPDATE SET output = excluded.output", nodeId, text(output));
  }

  appendEvent(type: EventType, nodeId: string | null, data: JsonValue): ExecutionEvent {
    const at = new Date().toISOString();
    const row = this.sql.exec("INSERT INTO events (at, type, node_id, data) VALUES (?, ?, ?, ?) RETURNING seq", at, type, nodeId, text(data)).one();
    const event: ExecutionEvent = { seq: Number(row.seq), at, type, node_id: nodeId, data };
    this.onEvent(event);
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
    return this.sql
      .exec(`SELECT * FROM events WHERE ${clauses.join(" AND ")} ORDER BY seq LIMIT ?`, ...args)
      .toArray()
      .map((row) => ({ seq: Number(row.seq), at: String(row.at), type: String(row.type) as EventType, node_id: row.node_id === null ? null : String(row.node_id), data: json(row.data) }));
  }

  addTimer(kind: TimerKind, fireAt: number, tokenId: number | null): void {
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
    this.sql.exec(`DELETE FROM timers${clauses.length ? ` WHERE ${clauses.join(" AND ")}` : ""}`, ...args);
  }

  dueTimers(now: number): Timer[] {
    return this.sql.exec("SELECT * FROM timers WHERE fire_at <= ? ORDER BY fire_at, id", now).toArray().map(toTimer);
  }

  nextTimer(): Timer | null {
    const row = this.sql.exec("SELECT * FROM timers ORDER BY fire_at, id LIMIT 1").toArray()[0];
    return row ? toTimer(row) : null;
  }

  takeInbox(name: string): JsonValue | undefined {
    const row = this.sql.exec("SELECT seq, payload FROM inbox WHERE name = ? ORDER BY seq LIMIT 1", name).toArray()[0];
    if (!row) return undefined;
    this.sql.exec("DELETE FROM inbox WHERE seq = ?", row.seq);
    return json(row.payload);
  }

  putInbox(name: string, payload: JsonValue): void {
    this.sql.exec("INSERT INTO inbox (name, payload) VALUES (?, ?)", name, text(payload));
  }

  flush(): Promise<void> {
    return this.sync();
  }
}

function toToken(row: Row): Token {
  return {
    id: Number(row.id),
    node_id: String(row.node_id),
    state: String(row.state) as Token["state"],
    input: json(row.input),
    attempt: Number(row.attempt),
    from_node: row.from_node === null ? null : String(row.from_node),
    pending: json(row.pending),
    step_seq: row.step_seq === null ? null : Number(row.step_seq),
  };
}

function toStep(row: Row): StepRecord {
  return {
    seq: Number(row.seq),
    token_id: Number(row.token_id),
    node_id: String(row.node_id),
    attempt: Number(row.attempt),
    status: String(row.status) as StepRecord["status"],
    action: row.action === null ? null : String(row.action),
    input: json(row.input),
    output: json(row.output),
    error: row.error === null ? null : (JSON.parse(String(row.error)) as StepRecord["error"]),
    started_at: String(row.started_at),
    finished_at: row.finished_at === null ? null : String(row.finished_at),
  };
}

function toTimer(row: Row): Timer {
  return { id: Number(row.id), fire_at: Number(row.fire_at), kind: String(row.kind) as TimerKind, token_id: row.token_id === null ? null : Number(row.token_id) };
}
