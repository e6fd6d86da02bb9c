import { validateFlowMemo, type FlowDefinition, type FlowIssue } from "../flow";
import { hasPluginTypes } from "../plugins/catalog";
import type { PluginDirectory } from "../plugins/directory";
import type { FlowRecord, FlowStore } from "../storage/types";

/** What starting a run of a stored flow needs: the flow, the version it runs, and its definition. */
export interface PreparedRun {
  flow_id: string;
  flow_version: number;
  flow: FlowDefinition;
}

/** Why a stored flow cannot be run. Each caller words these for its own audience (an API error, a node error). */
export type PrepareRunFailure =
  | { code: "flow_not_found"; message: string }
  | { code: "version_not_found"; message: string }
  | { code: "invalid_flow"; message: string; version: number; errors: FlowIssue[] };

export type PrepareRunResult = ({ ok: true } & PreparedRun) | ({ ok: false } & PrepareRunFailure);

/**
 * Loads a flow of the account (its current version, or `version` when pinned) and validates it.
 * Every way of starting a stored flow goes through here (API runs, sub-flows), so they agree on
 * which version runs, on the name a nameless YAML gets, and on what counts as "not runnable".
 */
export async function prepareRun(
  flows: FlowStore,
  accountId: string,
  flowId: string,
  version?: number,
  plugins?: PluginDirectory,
): Promise<PrepareRunResult> {
  return prepareKnownRun(flows, accountId, flowId, await flows.get(accountId, flowId), version, plugins);
}

/**
 * prepareRun for a flow the caller has already read with `FlowStore.get(accountId, flowId)` (with
 * the credential, when starting a run through the API): null when there is none.
 */
export async function prepareKnownRun(
  flows: FlowStore,
  accountId: string,
  flowId: string,
  flow: FlowRecord | null,
  version?: number,
  plugins?: PluginDirectory,
): Promise<PrepareRunResult> {
  if (!flow || flow.account_id !== accountId || flow.id !== flowId) {
    return { ok: false, code: "flow_not_found", message: `No flow '${flowId}' in this account` };
  }
  return prepareStoredRun(flows, flow, version, plugins);
}

/**
 * prepareRun for a flow record the caller has already read (e.g. to check its `enabled` switch).
 * A flow using plugin node types is checked against the account's plugins as they are now, and the
 * run is pinned to their versions (`flow.plugins`); one using none costs no plugin lookup. Without
 * a directory (a caller that only reads the flow) plugin types are taken as they are, unpinned.
 */
export async function prepareStoredRun(
  flows: FlowStore,
  flow: FlowRecord,
  version?: number,
  plugins?: PluginDirectory,
): Promise<PrepareRunResult> {
  const accountId = flow.account_id;
  const flowId = flow.id;
  let source = { content: flow.content, name: flow.name, version: flow.version };
  if (version !== undefined && version !== flow.version) {
    const pinned = await flows.getVersion(accountId, flowId, version);
    if (!pinned) return { ok: false, code: "version_not_found", message: `Flow '${flowId}' has no version ${version}` };
    source = { content: pinned.content, name: pinned.name, version: pinned.version };
  }
  // The stored name stands in for a missing metadata.name, as it did when the version was saved.
  let parsed = validateFlowMemo(source.content, { name: source.name, unknownPluginTypes: "warn" });
  let pins: Record<string, number> | undefined;
  if (plugins && hasPluginTypes(parsed)) {
    const catalog = await plugins.catalog(accountId);
    parsed = validateFlowMemo(source.content, { name: source.name, nodeTypes: catalog });
    if (parsed.flow) pins = catalog.pinsFor(parsed.flow);
  }
  if (!parsed.flow) {
    return {
      ok: false,
      code: "invalid_flow",
      message: `Flow '${flowId}' version ${source.version} is not valid`,
      version: source.version,
      errors: parsed.errors,
    };
  }
  return { ok: true, flow_id: flow.id, flow_version: source.version, flow: pins ? { ...parsed.flow, plugins: pins } : parsed.flow };
}
