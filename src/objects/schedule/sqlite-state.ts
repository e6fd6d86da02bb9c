/** A schedule's state and recent ticks in its object's SQLite storage. */
import {
  TICK_HISTORY,
  TICK_OUTCOMES,
  type InactiveReason,
  type ScheduleState,
  type ScheduleStateStore,
  type TickOutcome,
  type TickRecord,
} from "../../triggers/schedule-state";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS schedule (id INTEGER PRIMARY KEY CHECK (id = 1), trigger_id TEXT NOT NULL, account_id TEXT NOT NULL,
  cadence TEXT NOT NULL, since INTEGER NOT NULL, last_tick INTEGER, next_fire INTEGER, inactive TEXT, last_execution_id TEXT,
  trigger_version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ticks (seq INTEGER PRIMARY KEY AUTOINCREMENT, tick INTEGER NOT NULL, at INTEGER NOT NULL,
  outcome TEXT NOT NULL, execution_id TEXT, message TEXT);
`;

const INACTIVE: readonly InactiveReason[] = ["trigger_disabled", "trigger_paused", "flow_disabled", "flow_not_found", "invalid_config"];

export class SqliteScheduleStore implements ScheduleStateStore {
  private ready = false;

  constructor(
    private readonly sql: SqlStorage,
    /** Drops the object's whole storage. */
    private readonly deleteAll: () => Promise<void>,
  ) {}

  load(): ScheduleState | null {
    const row = this.existing()?.exec("SELECT * FROM schedule WHERE id = 1").toArray()[0];
    if (!row) return null;
    const inactive = INACTIVE.find((reason) => reason === row.inactive) ?? null;
    return {
      trigger_id: String(row.trigger_id),
      account_id: String(row.account_id),
      cadence: String(row.cadence),
      since: Number(row.since),
      last_tick: numberOrNull(row.last_tick),
      next_fire: numberOrNull(row.next_fire),
      inactive,
      last_execution_id: row.last_execution_id === null ? null : String(row.last_execution_id),
      trigger_version: String(row.trigger_version),
    };
  }

  save(s: ScheduleState): void {
    this.db().exec(
      `INSERT INTO schedule (id, trigger_id, account_id, cadence, since, last_tick, next_fire, inactive, last_execution_id, trigger_version)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET trigger_id = excluded.trigger_id, account_id = excluded.account_id, cadence = excluded.cadence,
         since = excluded.since, last_tick = excluded.last_tick, next_fire = excluded.next_fire, inactive = excluded.inactive,
         last_execution_id = excluded.last_execution_id, trigger_version = excluded.trigger_version`,
      s.trigger_id,
      s.account_id,
      s.cadence,
      s.since,
      s.last_tick,
      s.next_fire,
      s.inactive,
      s.last_execution_id,
      s.trigger_version,
    );
  }

  record(t: TickRecord): void {
    const db = this.db();
    db.exec(
      "INSERT INTO ticks (tick, at, outcome, execution_id, message) VALUES (?, ?, ?, ?, ?)",
      t.tick,
      t.at,
      t.outcome,
      t.execution_id,
      t.message,
    );
    db.exec("DELETE FROM ticks WHERE seq <= (SELECT max(seq) FROM ticks) - ?", TICK_HISTORY);
  }

  history(): TickRecord[] {
    const db = this.existing();
    if (!db) return [];
    return db
      .exec("SELECT tick, at, outcome, execution_id, message FROM ticks ORDER BY seq DESC")
      .toArray()
      .map((row) => ({
        tick: Number(row.tick),
        at: Number(row.at),
        outcome: TICK_OUTCOMES.find((o): o is TickOutcome => o === row.outcome) ?? "failed",
        execution_id: row.execution_id === null ? null : String(row.execution_id),
        message: row.message === null ? null : String(row.message),
      }));
  }

  async clear(): Promise<void> {
    await this.deleteAll();
    this.ready = false;
  }

  /** For a write: the tables, created when missing. */
  private db(): SqlStorage {
    if (!this.ready) {
      this.sql.exec(SCHEMA);
      this.ready = true;
    }
    return this.sql;
  }

  /** For a read: the tables if there are any. Reading never creates them, so an object whose trigger is gone stays empty. */
  private existing(): SqlStorage | null {
    if (this.ready) return this.sql;
    const found = this.sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schedule'").one().n;
    return Number(found) > 0 ? this.db() : null;
  }
}

const numberOrNull = (value: SqlStorageValue | undefined): number | null => (value === null || value === undefined ? null : Number(value));
