import { S, type Item } from "../../lib/dynamodb/client";

/**
 * The single-table key design (docs/storage.md has the full table).
 *
 * | item              | PK                      | SK                          | GSI1PK / GSI1SK                                  | GSI2, GSI3 |
 * |-------------------|-------------------------|-----------------------------|--------------------------------------------------|------------|
 * | account           | ACCOUNT#<id>            | ACCOUNT                     |                                                  |            |
 * | username claim    | USERNAME#<username>     | USERNAME                    |                                                  |            |
 * | API token         | TOKEN#<token_hash>      | TOKEN                       | ACCOUNT#<a>#TOKENS / <created_at>#<id>           |            |
 * | token id pointer  | TOKENID#<id>            | TOKENID                     |                                                  |            |
 * | flow (head)       | FLOW#<id>               | FLOW                        | ACCOUNT#<a>#FLOWS / <created_at>#<id>            |            |
 * | flow version      | FLOW#<id>               | VERSION#<v, 10 digits>      |                                                  |            |
 * | content chunk     | FLOW#<id>               | CHUNK#<v>#<n, 4 digits>     |                                                  |            |
 * | execution summary | EXECUTION#<id>          | EXECUTION                   | ACCOUNT#<a>#EXECUTIONS / <created_at>#<id>       | by flow (GSI2), by status (GSI3) |
 * | data key          | ACCOUNT#<a>             | DATAKEY                     | DATAKEYS / <account_id>                          |            |
 * | secret            | ACCOUNT#<a>             | SECRET#<key>                |                                                  |            |
 * | audit event       | AUDIT#<a>               | <time>#<id>                 | AUDIT#<a>#ACTION#<action> / <time>#<id>          |            |
 * | trigger           | TRIGGER#<id>            | TRIGGER                     | ACCOUNT#<a>#TRIGGERS / <id>                      | GSI2 TRIGGERS#KIND#<kind> / <id> |
 * | webhook subscr.   | ACCOUNT#<a>             | WEBHOOK#<id>                | ACCOUNT#<a>#WEBHOOKS / <created_at>#<id>         |            |
 * | plugin (head)     | PLUGIN#<a>#<name>       | PLUGIN                      | ACCOUNT#<a>#PLUGINS / <name>                     |            |
 * | plugin version    | PLUGIN#<a>#<name>       | VERSION#<v, 10 digits>      |                                                  |            |
 * | audit sweep       | SWEEP#AUDIT             | SWEEP                       |                                                  |            |
 *
 * A flow head also lists its triggers' ids (`trigger_ids`, `node_trigger_ids`; see flows.ts); an
 * execution summary the sort keys of its audit events (`audit_keys`; see executions.ts).
 */
const pk = (PK: string, SK: string): Item => ({ PK: S(PK), SK: S(SK) });

export const keys = {
  account: (id: string) => pk(`ACCOUNT#${id}`, "ACCOUNT"),
  username: (username: string) => pk(`USERNAME#${username}`, "USERNAME"),
  token: (hash: string) => pk(`TOKEN#${hash}`, "TOKEN"),
  tokenId: (id: string) => pk(`TOKENID#${id}`, "TOKENID"),
  flow: (id: string) => pk(`FLOW#${id}`, "FLOW"),
  flowVersion: (id: string, version: number) => pk(`FLOW#${id}`, `VERSION#${pad(version, 10)}`),
  flowChunk: (id: string, version: number, n: number) => pk(`FLOW#${id}`, chunkPrefix(version) + pad(n, 4)),
  execution: (id: string) => pk(`EXECUTION#${id}`, "EXECUTION"),
  dataKey: (accountId: string) => pk(`ACCOUNT#${accountId}`, "DATAKEY"),
  secret: (accountId: string, key: string) => pk(`ACCOUNT#${accountId}`, `SECRET#${key}`),
  trigger: (id: string) => pk(`TRIGGER#${id}`, "TRIGGER"),
  webhook: (accountId: string, id: string) => pk(`ACCOUNT#${accountId}`, `WEBHOOK#${id}`),
  plugin: (accountId: string, name: string) => pk(pluginPartition(accountId, name), "PLUGIN"),
  pluginVersion: (accountId: string, name: string, version: number) => pk(pluginPartition(accountId, name), `VERSION#${pad(version, 10)}`),
};

export const pluginPartition = (accountId: string, name: string) => `PLUGIN#${accountId}#${name}`;

export const flowPartition = (id: string) => `FLOW#${id}`;
export const accountPartition = (id: string) => `ACCOUNT#${id}`;
export const chunkPrefix = (version: number) => `CHUNK#${pad(version, 10)}#`;
export const VERSION_PREFIX = "VERSION#";
export const SECRET_PREFIX = "SECRET#";
export const WEBHOOK_PREFIX = "WEBHOOK#";

export const gsi = {
  tokens: (accountId: string) => `ACCOUNT#${accountId}#TOKENS`,
  flows: (accountId: string) => `ACCOUNT#${accountId}#FLOWS`,
  executions: (accountId: string) => `ACCOUNT#${accountId}#EXECUTIONS`,
  executionsByFlow: (accountId: string, flowId: string) => `ACCOUNT#${accountId}#EXECUTIONS#FLOW#${flowId}`,
  executionsByStatus: (accountId: string, status: string) => `ACCOUNT#${accountId}#EXECUTIONS#STATUS#${status}`,
  dataKeys: () => "DATAKEYS",
  auditByAction: (accountId: string, action: string) => `AUDIT#${accountId}#ACTION#${action}`,
  triggers: (accountId: string) => `ACCOUNT#${accountId}#TRIGGERS`,
  /** One partition per kind across accounts: the scheduled backstop reads it every minute. */
  triggersByKind: (kind: string) => `TRIGGERS#KIND#${kind}`,
  webhooks: (accountId: string) => `ACCOUNT#${accountId}#WEBHOOKS`,
  plugins: (accountId: string) => `ACCOUNT#${accountId}#PLUGINS`,
};

/** Audit events of failed logins for unknown users have no account; they are spread by day and never listed. */
export const auditPartition = (accountId: string | null, time: string) =>
  accountId === null ? `AUDIT#-#${time.slice(0, 10)}` : `AUDIT#${accountId}`;

/** Newest-first sort key shared by every list that pages by (created_at, id). */
export const timeKey = (time: string, id: string) => `${time}#${id}`;

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
