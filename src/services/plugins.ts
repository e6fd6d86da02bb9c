/**
 * Plugins of an account: create (js with source, http with an endpoint and a server-made signing
 * secret), update (each save is a new version; runs keep the version they started with), list and
 * get (with the built-in node types, as the original's /plugins did), delete (refused while a flow
 * uses the plugin), and a test call of one node type. Reference: docs/plugins.md.
 */
import { version as SERVER_VERSION } from "../../package.json";
import { AppError, conflict, notFound } from "../errors";
import { flowJsonSchema, getNodeType, NODE_TYPES, parseResolvedParams, RESERVED_PLUGIN_NAMES } from "../flow";
import { newId } from "../lib/ids";
import { isRecord, type JsonValue } from "../lib/json";
import type { HttpClient } from "../nodes/capabilities/http";
import { pluginInvoker } from "../nodes/plugin/invoke";
import { pluginsUsedBySource, type AvailablePlugin } from "../plugins/catalog";
import { pluginManifestSchema, type PluginManifest } from "../plugins/contract";
import type { PluginDirectory } from "../plugins/directory";
import { checkJsPlugin } from "../plugins/js";
import { manifestSchemaProblems, pluginNodeSpec } from "../plugins/node-spec";
import type { Page, PluginVersionRecord, Storage } from "../storage/types";
import type { Vault } from "../vault/vault";
import type { AuditService } from "./audit";
import type { Principal } from "./auth";
import type { NodeTypeInfo, PluginDetail, PluginSummary, PluginTestResult, PluginVersionView, PluginWithSecret } from "./plugin-schemas";
import { newPluginSecret, openPluginSecret, sealPluginSecret } from "./plugin-secrets";
import { webhookUrlProblem } from "./webhooks";
import type { PrivateNetworkPolicy } from "../nodes/capabilities/network-policy";

/** Plugins per account: each is loaded to check every flow save and run start that uses plugins. */
export const MAX_PLUGINS = 100;
/** A JS plugin's source, in UTF-8 bytes (kept inline in the storage row or item). */
export const MAX_SOURCE_BYTES = 256 * 1024;
/** A manifest as JSON, in UTF-8 bytes. */
export const MAX_MANIFEST_BYTES = 64 * 1024;
/** How long fetching an HTTP plugin's manifest, and a test call, may take. */
const MANIFEST_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = 60_000;

export type PluginInput =
  { kind: "js"; manifest: PluginManifest; source: string } | { kind: "http"; url: string; manifest?: PluginManifest | undefined };

export interface PluginChange {
  manifest?: PluginManifest | undefined;
  source?: string | undefined;
  url?: string | undefined;
  /** http: a new signing secret (shown in the answer); the old one stops signing at once. */
  rotate_secret?: boolean | undefined;
}

export interface PluginTestInput {
  node: string;
  params: Record<string, JsonValue>;
  input: JsonValue;
}

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;
const invalid = (message: string, details?: unknown) => new AppError(400, "validation_failed", message, details);

function nodeTypesOf(manifest: PluginManifest): NodeTypeInfo[] {
  return Object.entries(manifest.nodes).map(([node, declared]) => ({
    type: `${manifest.name}.${node}`,
    description: declared.description,
    actions: declared.actions,
    side_effects: declared.side_effects,
  }));
}

function paramsOf(manifest: PluginManifest): Record<string, Record<string, JsonValue>> {
  return Object.fromEntries(
    Object.entries(manifest.nodes).map(([node, declared]) => [`${manifest.name}.${node}`, declared.params as Record<string, JsonValue>]),
  );
}

function detailOf(plugin: AvailablePlugin): PluginDetail {
  const record = plugin.kind === "service" ? null : plugin.record;
  return {
    name: plugin.name,
    kind: plugin.kind,
    description: plugin.manifest.description,
    version: plugin.kind === "service" ? plugin.manifest.version : String(plugin.version),
    manifest: plugin.manifest,
    node_types: nodeTypesOf(plugin.manifest),
    params: paramsOf(plugin.manifest),
    url: record?.url ?? null,
    source: record?.source ?? null,
    created_at: record?.created_at ?? null,
    updated_at: record?.updated_at ?? null,
  };
}

const fromRecord = (record: PluginVersionRecord): AvailablePlugin => ({
  kind: record.kind,
  name: record.name,
  version: record.version,
  manifest: record.manifest,
  record,
});

const versionView = (r: PluginVersionRecord): PluginVersionView => ({
  name: r.name,
  version: r.version,
  kind: r.kind,
  manifest_version: r.manifest.version,
  created_at: r.updated_at,
  created_by: r.created_by,
});

export class PluginService {
  constructor(
    private readonly storage: Storage,
    private readonly vault: Vault,
    private readonly audit: AuditService,
    private readonly directory: PluginDirectory,
    private readonly http: HttpClient,
    private readonly privateNetwork: PrivateNetworkPolicy,
  ) {}

  /** Built-in node types, then the plugins the account can use, by name. */
  async list(accountId: string): Promise<PluginSummary[]> {
    const builtins: PluginSummary[] = NODE_TYPES.map((type) => ({
      name: type,
      kind: "builtin",
      description: getNodeType(type)?.description ?? "",
      version: SERVER_VERSION,
      node_types: [type],
    }));
    const catalog = await this.directory.catalog(accountId);
    const plugins: PluginSummary[] = catalog.plugins().map((p) => ({
      name: p.name,
      kind: p.kind,
      description: p.manifest.description,
      version: p.kind === "service" ? p.manifest.version : String(p.version),
      node_types: Object.keys(p.manifest.nodes).map((node) => `${p.name}.${node}`),
    }));
    return [...builtins, ...plugins];
  }

  /** A plugin the account can use, or a built-in node type. */
  async get(accountId: string, name: string): Promise<PluginDetail> {
    const builtin = getNodeType(name);
    if (builtin) {
      const defs = (flowJsonSchema() as { $defs: Record<string, Record<string, JsonValue>> }).$defs;
      return {
        name,
        kind: "builtin",
        description: builtin.description,
        version: SERVER_VERSION,
        manifest: null,
        node_types: [{ type: name, description: builtin.description, actions: [...builtin.actions], side_effects: null }],
        params: { [name]: defs[`params.${name}`] ?? {} },
        url: null,
        source: null,
        created_at: null,
        updated_at: null,
      };
    }
    const plugin = (await this.directory.catalog(accountId)).plugin(name);
    if (!plugin) throw notFound("Plugin");
    return detailOf(plugin);
  }

  /** The flow language's JSON Schema with the node types of the plugins the account can use. */
  async flowSchema(accountId: string): Promise<object> {
    const catalog = await this.directory.catalog(accountId);
    const extra = catalog.plugins().flatMap((p) =>
      Object.entries(p.manifest.nodes).map(([node, declared]) => ({
        type: `${p.name}.${node}`,
        description: declared.description,
        params: declared.params,
      })),
    );
    return flowJsonSchema(extra);
  }

  async versions(accountId: string, name: string, limit: number, cursor?: string): Promise<Page<PluginVersionView>> {
    if (!(await this.storage.plugins.get(accountId, name))) throw notFound("Plugin");
    const page = await this.storage.plugins.listVersions(accountId, name, { limit, cursor });
    return { items: page.items.map(versionView), next_cursor: page.next_cursor };
  }

  async create(principal: Principal, input: PluginInput): Promise<PluginDetail | PluginWithSecret> {
    const accountId = principal.account_id;
    const manifest = input.kind === "http" && input.manifest === undefined ? await this.fetchManifest(input.url) : input.manifest!;
    await this.requireNameFree(accountId, manifest.name);
    const existing = await this.storage.plugins.list(accountId);
    if (existing.length >= MAX_PLUGINS)
      throw conflict(`An account can have at most ${MAX_PLUGINS} plugins; delete one first`, { limit: MAX_PLUGINS });
    if (existing.some((p) => p.name === manifest.name)) throw conflict(`Plugin '${manifest.name}' exists; update it to save a new version`);
    const now = new Date().toISOString();
    const secret = input.kind === "http" ? newPluginSecret() : undefined;
    const record: PluginVersionRecord = {
      account_id: accountId,
      name: manifest.name,
      version: 1,
      kind: input.kind,
      manifest,
      source: input.kind === "js" ? input.source : null,
      url: input.kind === "http" ? input.url : null,
      secret_ciphertext: secret === undefined ? null : await sealPluginSecret(this.vault, accountId, manifest.name, secret),
      created_at: now,
      updated_at: now,
      created_by: principal.username,
    };
    await this.check(record);
    await this.storage.plugins.create(record);
    this.audit.recordFor(
      principal,
      "plugin.created",
      { type: "plugin", id: record.name },
      { kind: record.kind, version: 1, nodes: Object.keys(manifest.nodes) },
    );
    const view = detailOf(fromRecord(record));
    return secret === undefined ? view : { ...view, secret };
  }

  /** Saves a new version; runs already started keep theirs. */
  async update(principal: Principal, name: string, change: PluginChange): Promise<PluginDetail | PluginWithSecret> {
    const accountId = principal.account_id;
    const current = await this.storage.plugins.get(accountId, name);
    if (!current) throw notFound("Plugin");
    if (current.kind === "js" && change.url !== undefined) throw invalid("url: a js plugin has no endpoint", { field: "url" });
    if (current.kind === "http" && change.source !== undefined) throw invalid("source: an http plugin has no source", { field: "source" });
    const url = change.url ?? current.url;
    let manifest = change.manifest ?? current.manifest;
    if (current.kind === "http" && change.manifest === undefined && change.url !== undefined) manifest = await this.fetchManifest(url!);
    if (manifest.name !== name)
      throw invalid(`manifest.name: must stay '${name}' (the name is the prefix of the plugin's node types)`, { field: "manifest.name" });
    const secret = current.kind === "http" && change.rotate_secret === true ? newPluginSecret() : undefined;
    const record: PluginVersionRecord = {
      ...current,
      version: current.version + 1,
      manifest,
      source: current.kind === "js" ? (change.source ?? current.source) : null,
      url: current.kind === "http" ? url : null,
      secret_ciphertext: secret === undefined ? current.secret_ciphertext : await sealPluginSecret(this.vault, accountId, name, secret),
      updated_at: new Date().toISOString(),
      created_by: principal.username,
    };
    await this.check(record);
    await this.storage.plugins.addVersion(record);
    const changed = [
      ...(change.manifest ? ["manifest"] : []),
      ...(change.source !== undefined ? ["source"] : []),
      ...(change.url !== undefined ? ["url"] : []),
      ...(secret ? ["secret"] : []),
    ];
    this.audit.recordFor(principal, "plugin.updated", { type: "plugin", id: name }, { version: record.version, changed });
    const view = detailOf(fromRecord(record));
    return secret === undefined ? view : { ...view, secret };
  }

  /** Refused (409, naming them) while flows of the account use the plugin: their next runs would fail. */
  async delete(principal: Principal, name: string): Promise<void> {
    const accountId = principal.account_id;
    if (!(await this.storage.plugins.get(accountId, name))) throw notFound("Plugin");
    const users = await this.flowsUsing(accountId, name);
    if (users.length > 0) {
      const named =
        users
          .slice(0, 5)
          .map((f) => `'${f.name}' (${f.id})`)
          .join(", ") + (users.length > 5 ? ` and ${users.length - 5} more` : "");
      throw conflict(
        `Plugin '${name}' is used by ${users.length === 1 ? "the flow" : `${users.length} flows:`} ${named}; change or delete them first`,
        {
          flows: users,
        },
      );
    }
    if (!(await this.storage.plugins.delete(accountId, name))) throw notFound("Plugin");
    this.audit.recordFor(principal, "plugin.deleted", { type: "plugin", id: name });
  }

  /** One call of a node type with sample params and input, outside any flow. */
  async test(principal: Principal, name: string, input: PluginTestInput): Promise<PluginTestResult> {
    const plugin = (await this.directory.catalog(principal.account_id)).plugin(name);
    if (!plugin) throw notFound("Plugin");
    const declared = plugin.manifest.nodes[input.node];
    if (!declared) {
      throw invalid(`node: plugin '${name}' has no node type '${input.node}' (it has: ${Object.keys(plugin.manifest.nodes).join(", ")})`, {
        field: "node",
      });
    }
    const spec = pluginNodeSpec(name, input.node, declared);
    const resolved = parseResolvedParams(spec, "test", input.params);
    if (!resolved.ok)
      throw invalid(`params: ${resolved.problems.map((p) => p.message).join("; ")}`, { field: "params", problems: resolved.problems });
    const invoke = pluginInvoker({ openSecret: (record) => openPluginSecret(this.vault, record), now: () => Date.now() });
    const executionId = `test_${newId("exe").slice(4)}`;
    const started = Date.now();
    const outcome = await invoke(
      plugin,
      {
        node: input.node,
        params: input.params,
        input: input.input,
        execution: { id: executionId, flow_id: "", node_id: "test", attempt: 1, idempotency_key: `${executionId}:test:1:1` },
      },
      { http: this.http, signal: AbortSignal.timeout(TEST_TIMEOUT_MS) },
    );
    const duration_ms = Date.now() - started;
    return outcome.ok
      ? { ok: true, output: outcome.output, action: outcome.action, logs: outcome.logs, duration_ms }
      : { ok: false, error: outcome.error, logs: outcome.logs, duration_ms };
  }

  private async requireNameFree(accountId: string, name: string): Promise<void> {
    if (RESERVED_PLUGIN_NAMES.has(name))
      throw invalid(`manifest.name: '${name}' is a built-in node type's name`, { field: "manifest.name" });
    if (await this.directory.isServicePlugin(accountId, name)) {
      throw conflict(`'${name}' is the name of a plugin this server provides; choose another`);
    }
  }

  /** What every version must satisfy before it is stored. */
  private async check(record: PluginVersionRecord): Promise<void> {
    const manifestBytes = bytes(JSON.stringify(record.manifest));
    if (manifestBytes > MAX_MANIFEST_BYTES)
      throw invalid(`manifest: ${manifestBytes} bytes; the limit is ${MAX_MANIFEST_BYTES}`, { field: "manifest" });
    const problems = manifestSchemaProblems(record.manifest);
    if (problems.length > 0) throw invalid(`manifest: ${problems.join("; ")}`, { field: "manifest", problems });
    if (record.kind === "http") {
      const problem = webhookUrlProblem(record.url ?? "", this.privateNetwork);
      if (problem) throw invalid(`url: ${problem}`, { field: "url" });
    }
    if (record.kind === "js") {
      const source = record.source ?? "";
      if (source.trim() === "") throw invalid("source: must not be empty", { field: "source" });
      const size = bytes(source);
      if (size > MAX_SOURCE_BYTES) throw invalid(`source: ${size} bytes; the limit is ${MAX_SOURCE_BYTES}`, { field: "source" });
      // The runtime's own check: the source compiles, and exports exactly one function per declared node.
      const found = await checkJsPlugin(source, record.manifest);
      if (found.length > 0) {
        const first = found[0]!;
        const where =
          first.line === undefined ? "" : ` (line ${first.line}${first.column === undefined ? "" : `, column ${first.column}`})`;
        throw invalid(`source: ${first.message}${where}`, { field: "source", problems: found });
      }
    }
  }

  /** GET on an HTTP plugin's endpoint answers its manifest. */
  private async fetchManifest(url: string): Promise<PluginManifest> {
    const problem = webhookUrlProblem(url, this.privateNetwork);
    if (problem) throw invalid(`url: ${problem}`, { field: "url" });
    let body: unknown;
    try {
      const response = await this.http.request(url, {
        method: "GET",
        headers: { accept: "application/json" },
        timeoutMs: MANIFEST_TIMEOUT_MS,
        signal: AbortSignal.timeout(MANIFEST_TIMEOUT_MS),
        maxBytes: MAX_MANIFEST_BYTES,
      });
      if (response.status !== 200) throw new Error(`it answered HTTP ${response.status}`);
      body = JSON.parse(response.text());
    } catch (error) {
      throw invalid(`manifest: none given, and GET ${new URL(url).host} did not answer one: ${(error as Error).message}`, {
        field: "manifest",
      });
    }
    const parsed = pluginManifestSchema.safeParse(isRecord(body) && isRecord(body.manifest) ? body.manifest : body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(`manifest: the endpoint's manifest is not valid at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? ""}`, {
        field: "manifest",
      });
    }
    return parsed.data;
  }

  /** The account's flows whose current version has a node type of the plugin. */
  private async flowsUsing(accountId: string, name: string): Promise<{ id: string; name: string }[]> {
    const users: { id: string; name: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.storage.flows.list(accountId, {}, { limit: 100, cursor });
      for (const flow of page.items) {
        if (pluginsUsedBySource(flow.content, flow.name).includes(name)) users.push({ id: flow.id, name: flow.name });
      }
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return users;
  }
}
