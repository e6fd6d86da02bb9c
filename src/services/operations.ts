import { badRequest, notFound } from "../errors";
import { newId } from "../lib/ids";
import type { Page, Storage } from "../storage/types";
import type { AuditService } from "./audit";
import type { Principal } from "./auth";
import type { OperationRpc } from "./operation-rpc";
import { ACTIONABLE_STATUSES, type OperationAction, type OperationFilter, type OperationView } from "./operation-schemas";

const OPERATION_ID = /^opr_[0-9a-z]{25}$/;

/**
 * Bulk operations: cancel or re-run every execution a filter matches, as one tracked operation that
 * its own object works through (src/objects/operations). The account's list of operations is its
 * audit trail's `operation.created` events, written before the operation starts.
 */
export class OperationService {
  constructor(
    private readonly storage: Storage,
    private readonly operation: (id: string) => OperationRpc,
    private readonly audit: AuditService,
  ) {}

  async create(principal: Principal, action: OperationAction, requested: OperationFilter): Promise<OperationView> {
    const filter = checkedFilter(action, requested);
    const id = newId("opr");
    const created_at = new Date().toISOString();
    const details = { action, ...filter };
    // Awaited, not in the background: the operation list is read from these events.
    await this.audit.write({
      ...this.audit.entryFor(principal, "operation.created", { type: "operation", id }, details),
      time: created_at,
    });
    const { account_id, username, via, token_id, ip } = principal;
    return this.operation(id).start({ id, account_id, action, filter, created_at, actor: { username, via, token_id, ip } });
  }

  async get(accountId: string, id: string): Promise<OperationView> {
    const view = OPERATION_ID.test(id) ? await this.operation(id).describe(accountId) : null;
    if (!view) throw notFound("Operation");
    return view;
  }

  async cancel(accountId: string, id: string): Promise<OperationView> {
    const view = OPERATION_ID.test(id) ? await this.operation(id).cancel(accountId) : null;
    if (!view) throw notFound("Operation");
    return view;
  }

  /** The account's operations, newest first. */
  async list(accountId: string, limit: number, cursor?: string): Promise<Page<OperationView>> {
    const page = await this.storage.audit.list(accountId, { action: "operation.created" }, { limit, cursor });
    const views = await Promise.all(
      page.items.map((event) => (event.target_id ? this.operation(event.target_id).describe(accountId) : Promise.resolve(null))),
    );
    // An operation whose start failed after its event was written has nothing to show.
    return { items: views.filter((view): view is OperationView => view !== null), next_cursor: page.next_cursor };
  }
}

/** The filter as stored: times in UTC, and only what the action can act on. */
function checkedFilter(action: OperationAction, filter: OperationFilter): OperationFilter {
  if (Object.values(filter).every((value) => value === undefined)) {
    throw badRequest("Give at least one of flow_id, status, trigger_type, since or until", { field: "filter" });
  }
  const eligible: readonly string[] = ACTIONABLE_STATUSES[action];
  if (filter.status !== undefined && !eligible.includes(filter.status)) {
    throw badRequest(
      `A bulk ${action} acts on ${eligible.join(", ")} executions; '${filter.status}' ${action === "cancel" ? "is final" : "has not ended"}`,
      { field: "filter.status", allowed: [...eligible] },
    );
  }
  const since = filter.since === undefined ? undefined : new Date(filter.since).toISOString();
  const until = filter.until === undefined ? undefined : new Date(filter.until).toISOString();
  if (since !== undefined && until !== undefined && since >= until) {
    throw badRequest("filter.since must be before filter.until", { field: "filter.since" });
  }
  return Object.fromEntries(Object.entries({ ...filter, since, until }).filter(([, value]) => value !== undefined)) as OperationFilter;
}
