import type { ExecutionStore } from "../../engine/store";
import type { EventType, ExecutionEvent, ExecutionState, StepRecord, Timer, TimerKind, Token } from "../../engine/types";
import type { JsonValue } from "../../lib/json";

// Steps and events are never deleted, so a plain INTEGER PRIMARY KEY numbers them 1, 2, 3... exactly
// as AUTOINCREMENT would, without its bookkeeping write per insert. (Objects created before keep
// AUTOINCREMENT tables; both number alike.) Tokens, timers and inbox rows are deleted, so their ids
// keep AUTOINCREMENT: an id is never handed out twice.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS execution (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, flow TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, node_id TEXT NOT NULL, state TEXT NOT NULL,
  input TEXT NOT NULL, attempt INTEGER NOT NULL, from_node TEXT, pending TEXT, step_seq INTEGER);
CREATE TABLE IF NOT EXISTS steps (seq INTEGER PRIMARY KEY, token_id INTEGER NOT NULL, node_id TEXT NOT NULL,
  attempt INTEGER NOT NULL, status TEXT NOT NULL, action TEXT, input TEXT NOT NULL, output TEXT, error TEXT,
  started_at TEXT NOT NULL, finished_at TEXT);
CREATE INDEX IF NOT EXISTS steps_node ON steps (node_id, seq);
CREATE TABLE IF NOT EXISTS results (node_id TEXT PRIMARY KEY, output TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, node_id TEXT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS timers (id INTEGER PRIMARY KEY AUTOINCREMENT, fire_at INTEGER NOT NULL, kind TEXT NOT NULL, token_id INTEGER);
CREATE INDEX IF NOT EXISTS timers_fire ON timers (fire_at);
CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, payload TEXT NOT NULL);
`;

/**
 * The writes a step makes, as SQL with numbered parameters. Outside a batch each runs as it is;
 * inside one (see batch()) they are queued and applied at its end in a single statement: rows
 * inserted into the `write_batch` view, whose INSTEAD OF triggers run this same SQL with `NEW.cN`
 * for `?N`. A statement costs far more than a row here, and a step makes about eight writes.
 * The triggers are created with IF NOT EXISTS: change a write's SQL only together with BATCH_VERSION.
 */
const WRITES = {
  step_start:
    "INSERT INTO steps (seq, token_id, node_id, attempt, status, action, input, output, error, started_at, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
  step_finish: "UPDATE steps SET status = ?2, action = ?3, output = ?4, error = ?5, finished_at = ?6 WHERE seq = ?1",
  event: "INSERT INTO events (seq, at, type, node_id, data) VALUES (?1, ?2, ?3, ?4, ?5)",
  result: "INSERT INTO results (node_id, output) VALUES (?1, ?2) ON CONFLICT (node_id) DO UPDATE SET output = excluded.output",
  token_add:
    "INSERT INTO tokens (id, node_id, state, input, attempt, from_node, pending, step_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
  // A null input keeps the stored one (a token's input is JSON text, never SQL NULL).
  token_update:
    "UPDATE tokens SET node_id = ?2, state = ?3, input = coalesce(?4, input), attempt = ?5, from_node = ?6, pending = ?7, step_seq = ?8 WHERE id = ?1",
  token_remove: "DELETE FROM tokens WHERE id = ?1",
  state: "UPDATE execution SET state = ?1 WHERE id = 1",
} as const;
type WriteName = keyof typeof WRITES;

/** Past this many queued rows a held batch is applied anyway. */
const MAX_HELD_ROWS = 1000;

const BATCH_VERSION = 1;
const BATCH_COLUMNS = 11;
const BATCH_SCHEMA = [
  `CREATE VIEW IF NOT EXISTS write_batch AS SELECT NULL AS op, ${Array.from({ length: BATCH_COLUMNS }, (_, i) => `NULL AS c${i + 1}`).join(", ")};`,
  ...Object.entries(WRITES).map(
    ([name, sql]) =>
      `CREATE TRIGGER IF NOT EXISTS write_batch_v${BATCH_VERSION}_${name} INSTEAD OF INSERT ON write_batch WHEN NEW.op = '${name}' BEGIN ${sql.replace(/\?(\d+)/g, "NEW.c$1")}; END;`,
  ),
].join("\n");
const APPLY_BATCH = `INSERT INTO write_batch (op, ${Array.from({ length: BATCH_COLUMNS }, (_, i) => `c${i + 1}`).join(", ")}) SELECT ${Array.from({ length: BATCH_COLUMNS + 1 }, (_, i) => `value ->> ${i}`).join(", ")} FROM json_each(?) ORDER BY key`;

/** The highest id each table has handed out (AUTOINCREMENT tables also remember deleted ones). */
const LAST_IDS = `SELECT
  max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'steps'), 0), coalesce((SELECT max(seq) FROM steps), 0)) AS steps,
  max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), coalesce((SELECT max(seq) FROM events), 0)) AS events,
  max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'tokens'), 0), coalesce((SELECT max(id) FROM tokens), 0)) AS tokens`;

type Row = Record<string, SqlStorageValue | undefined>;
const json = (value: SqlStorageValue | undefined): JsonValue =>
  value === null || value === undefined ? null : (JSON.parse(String(value)) as JsonValue);
const text = (value: JsonValue | undefined): string => JSON.stringify(value ?? null);

/**
 * The engine's store over a Durable Object's SQLite storage.
 *
 * Tokens (branch positions) are read several times per step, so the store keeps them in memory as
 * well, written through: SQLite stays the record, and the copy is what this object wrote there. The
 * object is the only writer of its storage, so the copy cannot go stale; callers get copies of it.
 * For the same reason the store numbers new steps, events and tokens itself, as SQLite would have
 * (the next id after the highest ever handed out), so that writes need not return anything and can
 * be batched (see WRITES).
 */
export class SqliteExecutionStore implements ExecutionStore {
  private cachedTokens: Map<number, Token> | null = null;
  private lastIds: { steps: number; events: number; tokens: number } | null = null;
  /**
   * Writes queued by batch(), as [write, ...parameters], and the events to announce once they are
   * applied. Non-null while writes queue: inside a batch, and after a held one until they are applied.
   */
  private pending: SqlStorageValue[][] | null = null;
  private batching = false;
  private announce: ExecutionEvent[] = [];
  /** Whether the execution row exists (so saving the state is an UPDATE). */
  private stateSaved = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly sync: () => Promise<void>,
    private readonly onEvent: (event: ExecutionEvent) => void,
  ) {
    sql.exec(SCHEMA + BATCH_SCHEMA);
  }

  batch<T>(work: () => T, options: { hold?: boolean } = {}): T {
    if (this.batching) return work();
    this.batching = true;
    this.pending ??= [];
    let held = false;
    try {
      const result = work();
      // A long streak of held writes is applied in parts, to keep the statement (and memory) small.
      held = options.hold === true && this.pending.length < MAX_HELD_ROWS;
      return result;
    } finally {
      this.batching = false;
      if (!held) {
        try {
          this.applyPending();
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
  private applyPending(): void {
    if (!this.pending) return;
    const queued = this.pending;
    const events = this.announce;
    this.pending = this.batching ? [] : null;
    this.announce = [];
    if (queued.length === 0) return;
    this.sql.exec(APPLY_BATCH, JSON.stringify(queued));
    for (const event of events) this.onEvent(event);
  }

  private write(name: WriteName, ...values: SqlStorageValue[]): void {
    if (this.pending) this.pending.push([name, ...values]);
    else this.sql.exec(WRITES[name], ...values);
  }

  private nextId(table: "steps" | "events" | "tokens"): number {
    if (!this.lastIds) {
      this.applyPending();
      const row = this.sql.exec(LAST_IDS).one();
      this.lastIds = { steps: Number(row.steps), events: Number(row.events), tokens: Number(row.tokens) };
    }
    return ++this.lastIds[table];
  }

  load(): ExecutionState | null {
    this.applyPending();
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
    const json = JSON.stringify(rest);
    if (this.stateSaved) return this.write("state", json);
    this.applyPending();
    const updated = this.sql.exec("UPDATE execution SET state = ? WHERE id = 1", json).rowsWritten;
    if (updated === 0) this.sql.exec("INSERT INTO execution (id, state, flow) VALUES (1, ?, ?)", json, JSON.stringify(flow));
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
    if (!this.cachedTokens) this.applyPending();
    this.cachedTokens ??= new Map(
      this.sql
        .exec("SELECT * FROM tokens ORDER BY id")
        .toArray()
        .map((row) => [Number(row.id), toToken(row)]),
    );
    return this.cachedTokens;
  }

  addToken(token: Omit<Token, "id">): Token {
    const map = this.tokenMap();
    const added = { ...token, id: this.nextId("tokens") };
    this.write(
      "token_add",
      added.id,
      token.node_id,
      token.state,
      text(token.input),
      token.attempt,
      token.from_node,
      text(token.pending),
      token.step_seq,
    );
    map.set(added.id, added);
    return { ...added };
  }

  updateToken(token: Token): void {
    const map = this.tokenMap();
    // A token's input never changes after it is added: skip writing (and serialising) it again.
    const input = map.get(token.id)?.input === token.input ? null : text(token.input);
    this.write(
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
    this.write("token_remove", id);
    this.tokenMap().delete(id);
  }

  startStep(step: Omit<StepRecord, "seq">): number {
    const seq = this.nextId("steps");
    this.write(
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
    this.write(
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
    this.applyPending();
    const rows = options.node_id
      ? this.sql.exec(
          "SELECT * FROM steps WHERE seq > ? AND node_id = ? ORDER BY seq LIMIT ?",
          options.after ?? 0,
          options.node_id,
          options.limit ?? 1000,
        )
      : this.sql.exec("SELECT * FROM steps WHERE seq > ? ORDER BY seq LIMIT ?", options.after ?? 0, options.limit ?? 1000);
    return rows.toArray().map(toStep);
  }

  results(): Record<string, JsonValue> {
    this.applyPending();
    const out: Record<string, JsonValue> = {};
    for (const row of this.sql.exec("SELECT node_id, output FROM results")) out[String(row.node_id)] = json(row.output);
    return out;
  }

  setResult(nodeId: string, output: JsonValue): void {
    this.write("result", nodeId, text(output));
  }

  appendEvent(type: EventType, nodeId: string | null, data: JsonValue): ExecutionEvent {
    const at = new Date().toISOString();
    const seq = this.nextId("events");
    this.write("event", seq, at, type, nodeId, text(data));
    const event: ExecutionEvent = { seq, at, type, node_id: nodeId, data };
    if (this.pending) this.announce.push(event);
    else this.onEvent(event);
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
    this.applyPending();
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
    this.applyPending();
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
    this.applyPending();
    this.sql.exec(`DELETE FROM timers${clauses.length ? ` WHERE ${clauses.join(" AND ")}` : ""}`, ...args);
  }

  dueTimers(now: number): Timer[] {
    this.applyPending();
    return this.sql.exec("SELECT * FROM timers WHERE fire_at <= ? ORDER BY fire_at, id", now).toArray().map(toTimer);
  }

  nextTimer(): Timer | null {
    this.applyPending();
    const row = this.sql.exec("SELECT * FROM timers ORDER BY fire_at, id LIMIT 1").toArray()[0];
    return row ? toTimer(row) : null;
  }

  takeInbox(name: string): JsonValue | undefined {
    this.applyPending();
    const row = this.sql.exec("SELECT seq, payload FROM inbox WHERE name = ? ORDER BY seq LIMIT 1", name).toArray()[0];
    if (!row) return undefined;
    this.sql.exec("DELETE FROM inbox WHERE seq = ?", row.seq);
    return json(row.payload);
  }

  putInbox(name: string, payload: JsonValue): void {
    this.applyPending();
    this.sql.exec("INSERT INTO inbox (name, payload) VALUES (?, ?)", name, text(payload));
  }

  flush(): Promise<void> {
    this.applyPending();
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
  return {
    id: Number(row.id),
    fire_at: Number(row.fire_at),
    kind: String(row.kind) as TimerKind,
    token_id: row.token_id === null ? null : Number(row.token_id),
  };
}
