/** A bulk operation's state and its runs in the operation object's SQLite storage. */
import type { OperationRecord, OperationStore, TargetOutcome } from "../../operations/runner";

/** The operation as one JSON row (read and written whole); its runs one row each, `outcome` null until acted on. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS operation (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS targets (seq INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL UNIQUE, outcome TEXT);
CREATE INDEX IF NOT EXISTS targets_pending ON targets (outcome, seq);
`;

export class SqliteOperationStore implements OperationStore {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(SCHEMA);
  }

  read(): OperationRecord | null {
    const row = this.storage.sql.exec("SELECT record FROM operation WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(String(row.record)) as OperationRecord) : null;
  }

  write(record: OperationRecord): void {
    this.storage.sql.exec(
      "INSERT INTO operation (id, record) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record",
      JSON.stringify(record),
    );
  }

  addTargets(ids: string[]): void {
    this.storage.transactionSync(() => {
      for (const id of ids) this.storage.sql.exec("INSERT OR IGNORE INTO targets (execution_id) VALUES (?)", id);
    });
  }

  count(): number {
    return Number(this.storage.sql.exec("SELECT count(*) AS n FROM targets").one().n);
  }

  pending(limit: number): string[] {
    return this.storage.sql
      .exec("SELECT execution_id FROM targets WHERE outcome IS NULL ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((row) => String(row.execution_id));
  }

  settle(executionId: string, outcome: TargetOutcome, record: OperationRecord): void {
    this.storage.transactionSync(() => {
      this.storage.sql.exec("UPDATE targets SET outcome = ? WHERE execution_id = ?", outcome, executionId);
      this.write(record);
    });
  }
}
