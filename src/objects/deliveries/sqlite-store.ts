import type { Delivery, DeliveryAttempt, DeliveryStatus, DeliveryStore, QueueState } from "../../deliveries/types";
import type { DeliveryOwner } from "../../services/delivery-rpc";

/** One row per delivery (attempts as JSON: they are read and written with their delivery), and a small key-value table. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, event_type TEXT NOT NULL, payload TEXT NOT NULL,
  status TEXT NOT NULL, created_at INTEGER NOT NULL, first_attempt_at INTEGER, next_attempt_at INTEGER,
  attempt_count INTEGER NOT NULL, attempts TEXT NOT NULL, failure TEXT);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_recent ON deliveries (created_at, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const COLUMNS = "id, event_type, payload, status, created_at, first_attempt_at, next_attempt_at, attempt_count, attempts, failure";
type Row = Record<string, SqlStorageValue>;

const num = (value: SqlStorageValue | undefined): number | null => (value === null || value === undefined ? null : Number(value));

function toDelivery(row: Row): Delivery {
  return {
    id: String(row.id),
    event_type: String(row.event_type),
    payload: String(row.payload),
    status: String(row.status) as DeliveryStatus,
    created_at: Number(row.created_at),
    first_attempt_at: num(row.first_attempt_at),
    next_attempt_at: num(row.next_attempt_at),
    attempt_count: Number(row.attempt_count),
    attempts: JSON.parse(String(row.attempts)) as DeliveryAttempt[],
    failure: row.failure === null || row.failure === undefined ? null : String(row.failure),
  };
}

const values = (d: Delivery): SqlStorageValue[] => [
  d.id,
  d.event_type,
  d.payload,
  d.status,
  d.created_at,
  d.first_attempt_at,
  d.next_attempt_at,
  d.attempt_count,
  JSON.stringify(d.attempts),
  d.failure,
];

/** The delivery queue's store over a Durable Object's SQLite storage; also keeps which subscription it serves. */
export class SqliteDeliveryStore implements DeliveryStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  insert(delivery: Delivery): boolean {
    return (
      this.sql.exec(`INSERT OR IGNORE INTO deliveries (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ...values(delivery))
        .rowsWritten > 0
    );
  }

  get(id: string): Delivery | null {
    const row = this.sql.exec<Row>(`SELECT ${COLUMNS} FROM deliveries WHERE id = ?`, id).toArray()[0];
    return row ? toDelivery(row) : null;
  }

  put(delivery: Delivery): void {
    this.sql.exec(`INSERT OR REPLACE INTO deliveries (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ...values(delivery));
  }

  due(now: number, limit: number): Delivery[] {
    return this.sql
      .exec<Row>(
        `SELECT ${COLUMNS} FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
        now,
        limit,
      )
      .toArray()
      .map(toDelivery);
  }

  pending(): Delivery[] {
    return this.sql
      .exec<Row>(`SELECT ${COLUMNS} FROM deliveries WHERE status = 'pending' ORDER BY next_attempt_at`)
      .toArray()
      .map(toDelivery);
  }

  pendingCount(): number {
    return Number(this.sql.exec("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'").one().n);
  }

  nextDue(): number | null {
    return num(this.sql.exec("SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'").one().at ?? null);
  }

  list(limit: number, before?: { created_at: number; id: string }): Delivery[] {
    const rows = before
      ? this.sql.exec<Row>(
          `SELECT ${COLUMNS} FROM deliveries WHERE created_at < ? OR (created_at = ? AND id < ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
          before.created_at,
          before.created_at,
          before.id,
          limit,
        )
      : this.sql.exec<Row>(`SELECT ${COLUMNS} FROM deliveries ORDER BY created_at DESC, id DESC LIMIT ?`, limit);
    return rows.toArray().map(toDelivery);
  }

  prune(keep: number): void {
    this.sql.exec(
      `DELETE FROM deliveries WHERE status != 'pending' AND id NOT IN
        (SELECT id FROM deliveries WHERE status != 'pending' ORDER BY created_at DESC, id DESC LIMIT ?)`,
      keep,
    );
  }

  state(): QueueState {
    return this.meta<QueueState>("state") ?? { failing_since: null };
  }

  setState(state: QueueState): void {
    this.setMeta("state", state);
  }

  clear(): void {
    this.sql.exec("DELETE FROM deliveries");
    this.sql.exec("DELETE FROM meta");
  }

  /** The subscription this queue serves, once a call has named it. */
  owner(): DeliveryOwner | null {
    return this.meta<DeliveryOwner>("owner");
  }

  setOwner(owner: DeliveryOwner): void {
    this.setMeta("owner", owner);
  }

  private meta<T>(key: string): T | null {
    const row = this.sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(String(row.value)) as T) : null;
  }

  private setMeta(key: string, value: unknown): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, JSON.stringify(value));
  }
}
