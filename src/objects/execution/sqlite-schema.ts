/**
 * The execution object's SQLite tables and the statements the store's writes use.
 *
 * Steps and events are never deleted, so a plain INTEGER PRIMARY KEY numbers them 1, 2, 3... exactly
 * as AUTOINCREMENT would, without its bookkeeping write per insert. (Objects created before keep
 * AUTOINCREMENT tables; both number alike.) Tokens, timers and inbox rows are deleted, so their ids
 * keep AUTOINCREMENT: an id is never handed out twice. A token's `pending` is JSON whose shape
 * depends on its state (see TokenPosition); `memos` holds the sub-step values of a token's visit.
 * `step_usage` holds what a step reported consuming (ctx.addUsage), for the few steps that report
 * any: a table of its own, so older objects need no new column and other steps no extra write.
 */
export const SCHEMA = `
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
CREATE TABLE IF NOT EXISTS memos (token_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (token_id, key));
CREATE TABLE IF NOT EXISTS step_usage (seq INTEGER PRIMARY KEY, usage TEXT NOT NULL);
`;

/**
 * The writes a step makes, as SQL with numbered parameters. Outside a batch each runs as it is;
 * inside one (see SqliteWrites.batch) they are queued and applied at its end in a single statement:
 * rows inserted into the `write_batch` view, whose INSTEAD OF triggers run this same SQL with `NEW.cN`
 * for `?N`. A statement costs far more than a row here, and a step makes about eight writes.
 * The triggers are created with IF NOT EXISTS: change a write's SQL only together with BATCH_VERSION
 * (a new write needs no new version: its trigger has a new name).
 */
export const WRITES = {
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
  memo_put: "INSERT INTO memos (token_id, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (token_id, key) DO UPDATE SET value = excluded.value",
  memo_clear: "DELETE FROM memos WHERE token_id = ?1",
  usage_put: "INSERT INTO step_usage (seq, usage) VALUES (?1, ?2) ON CONFLICT (seq) DO UPDATE SET usage = excluded.usage",
} as const;
export type WriteName = keyof typeof WRITES;

const BATCH_VERSION = 1;
const BATCH_COLUMNS = 11;
const columns = (n: number, name: (i: number) => string) => Array.from({ length: n }, (_, i) => name(i + 1)).join(", ");

export const BATCH_SCHEMA = [
  `CREATE VIEW IF NOT EXISTS write_batch AS SELECT NULL AS op, ${columns(BATCH_COLUMNS, (i) => `NULL AS c${i}`)};`,
  ...Object.entries(WRITES).map(
    ([name, sql]) =>
      `CREATE TRIGGER IF NOT EXISTS write_batch_v${BATCH_VERSION}_${name} INSTEAD OF INSERT ON write_batch WHEN NEW.op = '${name}' BEGIN ${sql.replace(/\?(\d+)/g, "NEW.c$1")}; END;`,
  ),
].join("\n");

export const APPLY_BATCH = `INSERT INTO write_batch (op, ${columns(BATCH_COLUMNS, (i) => `c${i}`)}) SELECT ${columns(BATCH_COLUMNS + 1, (i) => `value ->> ${i - 1}`)} FROM json_each(?) ORDER BY key`;

/**
 * The highest id each table has handed out (AUTOINCREMENT tables also remember deleted ones), and
 * the tokens that have sub-step values (so removing any other token costs no memo write).
 */
export const COUNTERS = `SELECT
  max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'steps'), 0), coalesce((SELECT max(seq) FROM steps), 0)) AS steps,
  max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), coalesce((SELECT max(seq) FROM events), 0)) AS events,
  max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'tokens'), 0), coalesce((SELECT max(id) FROM tokens), 0)) AS tokens,
  (SELECT json_group_array(DISTINCT token_id) FROM memos) AS memo_tokens`;
