import { AppError, notFound } from "../errors";
import { requireStoredSize } from "./stored-size";
import { graphView, validateFlow, validateFlowMemo, type FlowDefinition, type ValidateOptions, type ValidationResult } from "../flow";
import { hasPluginTypes } from "../plugins/catalog";
import type { PluginDirectory } from "../plugins/directory";
import { withMetadata, type MetadataChanges } from "../flow/metadata-edit";
import { newId } from "../lib/ids";
import type { FlowFilter, FlowMetadataPatch, FlowRecord, FlowVersionRecord, Page, Storage, TriggerRecord } from "../storage/types";
import { declaredTriggers, triggerRecordsFor, triggerView, type TriggerLinks } from "./flow-triggers";
import type { ScheduleControl } from "./schedule-control";
import type { AuditService } from "./audit";
import type { Principal } from "./auth";
import type { FlowDetail, FlowSummary, FlowValidation, FlowVersionView } from "./flow-schemas";
import { asError, log } from "../lib/log";

export interface FlowSource {
  name?: string | undefined;
  content: string;
}

const summary = (f: FlowSummary): FlowSummary => ({
  id: f.id,
  name: f.name,
  description: f.description,
  version: f.version,
  tags: f.tags,
  category: f.category,
  status: f.status,
  custom: f.custom,
  enabled: f.enabled,
  created_at: f.created_at,
  updated_at: f.updated_at,
});

const versionView = (v: FlowVersionRecord, withContent: boolean): FlowVersionView => ({
  flow_id: v.flow_id,
  version: v.version,
  name: v.name,
  description: v.description,
  created_at: v.created_at,
  created_by: v.created_by,
  ...(withContent ? { content: v.content } : {}),
});

export class FlowService {
  constructor(
    private readonly storage: Storage,
    private readonly audit: AuditService,
    private readonly schedules: ScheduleControl,
    private readonly plugins: PluginDirectory,
    /** EMAIL_DOMAIN, for the addresses of email triggers. */
    private readonly emailDomain: string | null = null,
  ) {}

  async validate(accountId: string, source: FlowSource): Promise<FlowValidation> {
    let result = validateFlow(source.content, { name: source.name, unknownPluginTypes: "warn" });
    if (hasPluginTypes(result)) {
      result = validateFlow(source.content, { name: source.name, ...(await this.pluginTypes(accountId)) });
    }
    // The normalised definition is an internal form; the endpoint reports findings and the graph's shape.
    return {
      valid: result.valid,
      errors: result.errors,
      warnings: result.warnings,
      ...(result.flow ? { graph: graphView(result.flow) } : {}),
    };
  }

  async create(principal: Principal, source: FlowSource, origin?: string): Promise<FlowDetail> {
    const { flow, warnings, content } = await this.parseNamed(principal.account_id, source, undefined);
    const now = new Date().toISOString();
    const record: FlowRecord = {
      id: newId("flw"),
      account_id: principal.account_id,
      ...indexed(flow),
      version: 1,
      content,
      custom: {},
      enabled: true,
      created_at: now,
      updated_at: now,
    };
    const triggers = triggerRecordsFor(flow, record, [], now);
    // The answer is built before the write: nothing is stored that cannot be answered.
    const view = detail(record, flow, warnings, triggers, { origin, emailDomain: this.emailDomain });
    await this.storage.flows.create(record, versionOf(record, principal), triggers);
    await this.refreshSchedules(triggers);
    this.audit.recordFor(principal, "flow.created", { type: "flow", id: record.id }, { name: record.name, version: record.version });
    return view;
  }

  async list(accountId: string, filter: FlowFilter, limit: number, cursor?: string): Promise<Page<FlowSummary>> {
    const page = await this.storage.flows.list(accountId, filter, { limit, cursor });
    return { items: page.items.map(summary), next_cursor: page.next_cursor };
  }

  async get(accountId: string, id: string, origin?: string): Promise<FlowDetail> {
    const record = await this.require(accountId, id);
    let parsed = validateFlowMemo(record.content, { name: record.name, unknownPluginTypes: "warn" });
    if (hasPluginTypes(parsed)) {
      parsed = validateFlowMemo(record.content, { name: record.name, ...(await this.pluginTypes(accountId)) });
    }
    const triggers = await this.storage.triggers.list(accountId, { flow_id: id }, { limit: 100 });
    return detail(record, parsed.flow, parsed.warnings, triggers.items, { origin, emailDomain: this.emailDomain });
  }

  async update(principal: Principal, id: string, source: FlowSource, ifMatch?: number, origin?: string): Promise<FlowDetail> {
    const current = await this.require(principal.account_id, id);
    requireVersion(current, ifMatch);
    return this.saveVersion(principal, current, await this.parseNamed(current.account_id, source, current.name), {}, origin);
  }

  /** The switch of all the flow's triggers; runs already started go on. */
  async setEnabled(principal: Principal, id: string, enabled: boolean): Promise<FlowSummary> {
    const accountId = principal.account_id;
    const stored = await this.storage.flows.updateMetadata(accountId, id, { enabled }, new Date().toISOString());
    if (!stored) throw notFound("Flow");
    await this.refreshSchedules(
      await this.storage.triggers.list(accountId, { flow_id: id, kind: "cron" }, { limit: 100 }).then((p) => p.items),
    );
    this.audit.recordFor(principal, enabled ? "flow.enabled" : "flow.disabled", { type: "flow", id }, { name: stored.name });
    return summary(stored);
  }

  /** Stores a new version of `current` whose columns are read from its YAML. */
  private async saveVersion(
    principal: Principal,
    current: FlowRecord,
    parsed: NamedFlow,
    auditDetails: Record<string, string[]> = {},
    origin?: string,
  ): Promise<FlowDetail> {
    const { flow, warnings, content } = parsed;
    const next: FlowRecord = {
      ...current,
      ...indexed(flow),
      version: current.version + 1,
      content,
      updated_at: new Date().toISOString(),
    };
    const before = await declaredTriggers(this.storage.triggers, current.account_id, current.id);
    const triggers = triggerRecordsFor(flow, next, before, next.updated_at);
    const nodeMade = await this.storage.triggers.list(current.account_id, { flow_id: current.id, source: "node" }, { limit: 100 });
    const view = detail(next, flow, warnings, [...triggers, ...nodeMade.items], { origin, emailDomain: this.emailDomain });
    await this.storage.flows.update(next, versionOf(next, principal), current.version, triggers);
    await this.refreshSchedules([...before, ...triggers]);
    this.audit.recordFor(
      principal,
      "flow.updated",
      { type: "flow", id: current.id },
      { name: next.name, version: next.version, ...auditDetails },
    );
    return view;
  }

  /**
   * Tags, category and status live in the YAML: changing one saves a new version whose `metadata`
   * says so. `custom` is the API's own and is merged into the stored object, without a version.
   */
  async patchMetadata(principal: Principal, id: string, patch: FlowMetadataPatch, ifMatch?: number): Promise<FlowSummary> {
    const accountId = principal.account_id;
    const current = await this.require(accountId, id);
    requireVersion(current, ifMatch);
    const custom = patch.custom ? { ...current.custom, ...patch.custom } : undefined;
    // Each patch is small, but merges accumulate in one index row.
    if (custom) requireStoredSize(custom, "customMetadataBytes", "custom metadata (merged with what is stored)");
    const changes: MetadataChanges = {};
    if (patch.tags !== undefined && !sameJson(patch.tags, current.tags)) changes.tags = patch.tags;
    if (patch.category !== undefined && patch.category !== current.category) changes.category = patch.category;
    if (patch.status !== undefined && patch.status !== current.status) changes.status = patch.status;
    const fields = { metadata: Object.keys(patch).sort() };
    const versioned = Object.keys(changes).length > 0;
    let result = summary(current);
    if (versioned) {
      const content = withMetadata(current.content, changes);
      result = summary(await this.saveVersion(principal, current, await this.parseNamed(accountId, { content }, current.name), fields));
    }
    if (custom) {
      const stored = await this.storage.flows.updateMetadata(accountId, id, { custom }, new Date().toISOString());
      if (!stored) throw notFound("Flow");
      result = { ...result, custom: stored.custom, updated_at: stored.updated_at };
    }
    if (!versioned)
      this.audit.recordFor(principal, "flow.updated", { type: "flow", id }, { name: result.name, version: result.version, ...fields });
    return result;
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const triggers = await this.storage.triggers.list(principal.account_id, { flow_id: id, kind: "cron" }, { limit: 100 });
    if (!(await this.storage.flows.delete(principal.account_id, id))) throw notFound("Flow");
    await this.refreshSchedules(triggers.items);
    this.audit.recordFor(principal, "flow.deleted", { type: "flow", id });
  }

  /**
   * parseNamed, with the account's view: a `flow` trigger watching a flow the account does not have
   * is saved with an `unknown_flow` warning (validated again only in that case).
   */
  private async parseNamed(accountId: string, source: FlowSource, fallbackName: string | undefined): Promise<NamedFlow> {
    // Plugin types are checked against the account's plugins, looked up only for a flow that has some.
    const first = validateFlow(source.content, { name: source.name ?? fallbackName, unknownPluginTypes: "warn" });
    const options: ValidateOptions = hasPluginTypes(first) ? await this.pluginTypes(accountId) : {};
    const parsed = parseNamed(source, fallbackName, options);
    const watched = [...new Set((parsed.flow.triggers ?? []).flatMap((t) => (t.type === "flow" ? [t.flow_id] : [])))];
    if (watched.length === 0) return parsed;
    const found = await Promise.all(watched.map((id) => this.storage.flows.get(accountId, id)));
    const missingFlows = new Set(watched.filter((_, i) => found[i] === null));
    if (missingFlows.size === 0) return parsed;
    return {
      ...parseOrThrow({ name: parsed.flow.metadata.name, content: parsed.content }, { ...options, missingFlows }),
      content: parsed.content,
    };
  }

  /** The account's plugins as the validator's catalog of node types. */
  private async pluginTypes(accountId: string): Promise<ValidateOptions> {
    return { nodeTypes: await this.plugins.catalog(accountId) };
  }

  /** After the write: a schedule that misses this call still learns at its next tick or from the backstop. */
  private async refreshSchedules(triggers: readonly TriggerRecord[]): Promise<void> {
    const cron = triggers.filter((t) => t.kind === "cron");
    if (cron.length === 0) return;
    // Awaited, so the answer to a save is followed by schedules that already show their next fire
    // time; a failure is only logged, because the save is stored and the schedule catches up.
    await this.schedules.refresh(cron).catch((error: unknown) => log.error("schedule refresh failed", { error: asError(error) }));
  }

  async versions(accountId: string, id: string, limit: number, cursor?: string): Promise<Page<FlowVersionView>> {
    await this.require(accountId, id);
    const page = await this.storage.flows.listVersions(accountId, id, { limit, cursor });
    return { items: page.items.map((v) => versionView(v, false)), next_cursor: page.next_cursor };
  }

  async version(accountId: string, id: string, version: number): Promise<FlowVersionView> {
    const found = await this.storage.flows.getVersion(accountId, id, version);
    if (!found) throw notFound("Flow version");
    return versionView(found, true);
  }

  private async require(accountId: string, id: string): Promise<FlowRecord> {
    const record = await this.storage.flows.get(accountId, id);
    if (!record) throw notFound("Flow");
    return record;
  }
}

/** The columns a flow's YAML determines; what it leaves out takes the default, never an older value. */
function indexed(flow: FlowDefinition): Pick<FlowRecord, "name" | "description" | "tags" | "category" | "status"> {
  const meta = flow.metadata;
  return {
    name: meta.name,
    description: meta.description ?? null,
    tags: meta.tags ?? [],
    category: meta.category ?? null,
    status: meta.status ?? "draft",
  };
}

/**
 * Parses a flow to be saved. A `name` given with the request stands in for a missing
 * `metadata.name`, and replaces a different one in the YAML, so the stored YAML and the flow's
 * name never disagree; `fallbackName` (the flow's current name) only stands in.
 */
type NamedFlow = ReturnType<typeof parseNamed>;

function parseNamed(source: FlowSource, fallbackName: string | undefined, options: ValidateOptions) {
  let content = source.content;
  let parsed = parseOrThrow({ name: source.name ?? fallbackName, content }, options);
  if (source.name !== undefined && parsed.flow.metadata.name !== source.name) {
    content = withMetadata(content, { name: source.name });
    parsed = parseOrThrow({ name: source.name, content }, options);
  }
  return { ...parsed, content };
}

function requireVersion(current: FlowRecord, ifMatch: number | undefined): void {
  if (ifMatch !== undefined && ifMatch !== current.version) {
    throw new AppError(412, "precondition_failed", `Flow is at version ${current.version}, not ${ifMatch}`, {
      current_version: current.version,
    });
  }
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function parseOrThrow(source: FlowSource, options: ValidateOptions = {}): { flow: FlowDefinition; warnings: ValidationResult["warnings"] } {
  const result = validateFlow(source.content, { ...options, name: source.name });
  if (!result.valid || !result.flow) {
    const first = result.errors[0];
    const where = first ? ` (line ${first.line}, column ${first.column}: ${first.message})` : "";
    throw new AppError(400, "validation_failed", `The flow is not valid${where}`, {
      errors: result.errors,
      warnings: result.warnings,
    });
  }
  return { flow: result.flow, warnings: result.warnings };
}

function versionOf(flow: FlowRecord, principal: Principal): FlowVersionRecord {
  return {
    flow_id: flow.id,
    account_id: flow.account_id,
    version: flow.version,
    content: flow.content,
    name: flow.name,
    description: flow.description,
    created_at: flow.updated_at,
    created_by: principal.username,
  };
}

/** The flow's own triggers as its YAML lists them, then the schedules `cron` nodes made for it. */
function inDeclarationOrder(triggers: readonly TriggerRecord[], flow: FlowDefinition | undefined): TriggerRecord[] {
  const keys = (flow?.triggers ?? []).map((t) => t.id);
  const rank = (t: TriggerRecord) => (t.source === "flow" && keys.includes(t.key) ? keys.indexOf(t.key) : keys.length);
  return [...triggers].sort((a, b) => rank(a) - rank(b));
}

function detail(
  record: FlowRecord,
  flow: FlowDefinition | undefined,
  warnings: ValidationResult["warnings"],
  triggers: readonly TriggerRecord[],
  links: TriggerLinks,
): FlowDetail {
  return {
    ...summary(record),
    content: record.content,
    metadata: { ...(flow?.metadata ?? {}) },
    triggers: inDeclarationOrder(triggers, flow).map((t) => triggerView(t, links)),
    warnings,
  };
}
