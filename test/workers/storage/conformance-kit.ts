/** Helpers shared by the parts of the storage conformance suite. */
import { expect } from "vitest";
import type {
  AccountRecord,
  ApiTokenRecord,
  ExecutionSummary,
  FlowRecord,
  FlowVersionRecord,
  Page,
  Storage,
  StorageErrorKind,
} from "../../../src/storage/types";

let seq = 0;
export const uid = (prefix: string) =>
  `${prefix}_${Date.now().toString(36)}${(seq++).toString(36).padStart(3, "0")}${Math.random().toString(36).slice(2, 8)}`;
export const at = (second: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, second)).toISOString();
export const now = () => new Date().toISOString();

/** A live API token of the account, created now, with a fresh hash. */
export function apiToken(accountId: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id: uid("tok"),
    account_id: accountId,
    name: "ci",
    prefix: "frt_abcd",
    token_hash: uid("hash"),
    created_at: now(),
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
    ...overrides,
  };
}

/** Byte order, the order every provider sorts ids and keys in. */
export const byteOrder = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

export async function expectStorageError(work: Promise<unknown>, kind: StorageErrorKind): Promise<void> {
  await expect(work).rejects.toMatchObject({ name: "StorageError", kind });
}

/** Follows next_cursor until the end; checks that no page is larger than the limit. */
export async function collect<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
    pages++;
    if (pages > 100) throw new Error("pagination does not end");
  } while (cursor);
  return { items, pages };
}

export async function createAccount(storage: Storage, username = uid("user")): Promise<AccountRecord> {
  const record: AccountRecord = { id: uid("acc"), username, password_hash: "pbkdf2$hash", created_at: now(), updated_at: now() };
  await storage.accounts.create(record);
  return record;
}

export function flowPair(accountId: string, overrides: Partial<FlowRecord> = {}): [FlowRecord, FlowVersionRecord] {
  const flow: FlowRecord = {
    id: uid("flw"),
    account_id: accountId,
    name: "Order sync",
    description: "Copies orders",
    version: 1,
    content: "metadata: {name: Order sync}\nnodes: {a: {type: transform}}\n",
    tags: ["sync", "orders"],
    category: "etl",
    status: "draft",
    custom: { owner: "ops", nested: { n: 1, list: [1, "two", null] } },
    enabled: true,
    created_at: now(),
    updated_at: now(),
    ...overrides,
  };
  return [flow, versionOf(flow)];
}

/** An execution summary of the account: a completed one-step run created at `at(0)`, with `overrides`. */
export function executionSummary(accountId: string, overrides: Partial<ExecutionSummary> = {}): ExecutionSummary {
  return {
    id: uid("exe"),
    account_id: accountId,
    flow_id: "flw_a",
    flow_version: 1,
    status: "completed",
    trigger: "api",
    parent_id: null,
    current_nodes: [],
    error: null,
    output_preview: null,
    step_count: 1,
    tokens: 0,
    created_at: at(0),
    updated_at: at(1),
    finished_at: at(1),
    ...overrides,
  };
}

export function versionOf(flow: FlowRecord): FlowVersionRecord {
  return {
    flow_id: flow.id,
    account_id: flow.account_id,
    version: flow.version,
    content: flow.content,
    name: flow.name,
    description: flow.description,
    created_at: flow.updated_at,
    created_by: "tester",
  };
}
