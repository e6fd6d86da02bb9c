import { AppError, notFound } from "../errors";
import { requireStoredSize } from "./stored-size";
import { validateFlow, validateFlowMemo, type FlowDefinition, type ValidationResult } from "../flow";
import { newId } from "../lib/ids";
import type { FlowFilter, FlowMetadataPatch, FlowRecord, FlowVersionRecord, Page, Storage } from "../storage/types";
import type { AuditService } from "./audit";
import type { Principal } from "./auth";

export interface FlowSummary {
  id: string;
  name: string;
  description: string | null;
  version: number;
  tags: string[];
  category: string | null;
  status: string;
  custom: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface FlowDetail extends FlowSummary {
  content: string;
  metadata: Record<string, unknown>;
  warnings: ValidationResult["warnings"];
}

export interface FlowVersionView {
  flow_id: string;
  version: number;
  name: string;
  description: string | null;
  created_at: string;
  created_by: string;
  content?: string;
}

export interface FlowSource {
  name?: string | undefined;
  content: string;
}

const summary = (f: FlowRecord): FlowSummary => ({
  id: f.id,
  name: f.name,
  description: f.description,
  version: f.version,
  tags: f.tags,
  category: f.category,
  status: f.status,
  custom: f.custom,
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
  ) {}

  validate(source: FlowSource): ValidationResult {
    const result = validateFlow(source.content, { name: source.name });
    // The normalised definition is an internal form; the endpoint reports findings only.
    return { valid: result.valid, errors: result.errors, warnings: result.warnings };
  }

  async create(principal: Principal, source: FlowSource): Promise<FlowDetail> {
    const { flow, warnings } = parseOrThrow(source);
    const now = new Date().toISOString();
    const meta = flow.metadata;
    const record: FlowRecord = {
      id: newId("flw"),
      account_id: principal.account_id,
      name: source.name ?? meta.name,
      description: meta.description ?? null,
      version: 1,
      content: source.content,
      tags: meta.tags ?? [],
      category: meta.category ?? null,
      status: meta.status ?? "draft",
      custom: {},
      created_at: now,
      updated_at: now,
    };
    // The answer is built before the write: nothing is stored that cannot be answered.
    const view = detail(record, flow, warnings);
    await this.storage.flows.create(record, versionOf(record, principal));
    this.audit.recordFor(principal, "flow.created", { type: "flow", id: record.id }, { name: record.name, version: record.version });
    return view;
  }

  async list(accountId: string, filter: FlowFilter, limit: number, cursor?: string): Promise<Page<FlowSummary>> {
    const page = await this.storage.flows.list(accountId, filter, { limit, cursor });
    return { items: page.items.map(summary), next_cursor: page.next_cursor };
  }

  async get(accountId: string, id: string): Promise<FlowDetail> {
    const record = await this.require(accountId, id);
    const parsed = validateFlowMemo(record.content, { name: record.name });
    return detail(record, parsed.flow, parsed.warnings);
  }

  async update(principal: Principal, id: string, source: FlowSource, ifMatch?: number): Promise<FlowDetail> {
    const current = await this.require(principal.account_id, id);
    if (ifMatch !== undefined && ifMatch !== current.version) {
      throw new AppError(412, "precondition_failed", `Flow is at version ${current.version}, not ${ifMatch}`, {
        current_version: current.version,
      });
    }
    const { flow, warnings } = parseOrThrow({ name: source.name ?? current.name, content: source.content });
    const meta = flow.metadata;
    const next: FlowRecord = {
      ...current,
      name: source.name ?? meta.name ?? current.name,
      description: meta.description ?? null,
      version: current.version + 1,
      content: source.content,
      tags: meta.tags ?? current.tags,
      category: meta.category ?? current.category,
      status: meta.status ?? current.status,
      updated_at: new Date().toISOString(),
    };
    const view = detail(next, flow, warnings);
    await this.storage.flows.update(next, versionOf(next, principal), current.version);
    this.audit.recordFor(principal, "flow.updated", { type: "flow", id }, { name: next.name, version: next.version });
    return view;
  }

  async patchMetadata(principal: Principal, id: string, patch: FlowMetadataPatch): Promise<FlowSummary> {
    const accountId = principal.account_id;
    const current = await this.require(accountId, id);
    const merged: FlowMetadataPatch = { ...patch };
    if (patch.custom) {
      merged.custom = { ...current.custom, ...patch.custom };
      // Each patch is small, but merges accumulate in one index row.
      requireStoredSize(merged.custom, "customMetadataBytes", "custom metadata (merged with what is stored)");
    }
    const updated = await this.storage.flows.updateMetadata(accountId, id, merged, new Date().toISOString());
    if (!updated) throw notFound("Flow");
    this.audit.recordFor(
      principal,
      "flow.updated",
      { type: "flow", id },
      { name: updated.name, version: updated.version, metadata: Object.keys(patch).sort() },
    );
    return summary(updated);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    if (!(await this.storage.flows.delete(principal.account_id, id))) throw notFound("Flow");
    this.audit.recordFor(principal, "flow.deleted", { type: "flow", id });
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

function parseOrThrow(source: FlowSource): { flow: FlowDefinition; warnings: ValidationResult["warnings"] } {
  const result = validateFlow(source.content, { name: source.name });
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

function detail(record: FlowRecord, flow: FlowDefinition | undefined, warnings: ValidationResult["warnings"]): FlowDetail {
  return { ...summary(record), content: record.content, metadata: { ...(flow?.metadata ?? {}) }, warnings };
}
