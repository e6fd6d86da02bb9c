import type { StartRequest } from "../engine/engine";
import { isFinal } from "../engine/types";
import { AppError, badRequest, notFound } from "../errors";
import { newId } from "../lib/ids";
import { idempotentRunId } from "./idempotency";
import type { ExecutionRpc } from "./execution-rpc";
import type { ExecutionView, LogLine, StepView } from "./execution-schemas";
import type { JsonValue } from "../lib/json";
import type { ExecutionFilter, ExecutionSummary, FlowRecord, Page, Storage } from "../storage/types";
import type { AuditService } from "./audit";
import { prepareKnownRun, prepareRun } from "./prepare-run";
import type { PluginDirectory } from "../plugins/directory";
import { requireStoredSize } from "./stored-size";
import type { Principal } from "./auth";

export interface RunOptions {
  input: JsonValue;
  idempotencyKey?: string | undefined;
  waitMs: number;
  trigger: string;
}

export interface RunResult {
  /** False when an Idempotency-Key matched an earlier run. */
  created: boolean;
  execution: ExecutionView;
}

/** Longest `?wait=` a caller may ask for; past it the run goes on and the answer says `running`. */
export const MAX_WAIT_SECONDS = 60;

/** Starting runs and reading them back. Execution details come from each run's object; lists from the index. */
export class RunService {
  constructor(
    private readonly storage: Storage,
    private readonly execution: (id: string) => ExecutionRpc,
    private readonly idKey: string,
    private readonly audit: AuditService,
    private readonly plugins?: PluginDirectory,
  ) {}

  /** `flow`: the flow as the caller already read it for this account (null: none), or undefined to read it here. */
  async run(principal: Principal, flowId: string, options: RunOptions, flow?: FlowRecord | null): Promise<RunResult> {
    const prepared =
      flow === undefined
        ? await prepareRun(this.storage.flows, principal.account_id, flowId, undefined, this.plugins)
        : await prepareKnownRun(this.storage.flows, principal.account_id, flowId, flow, undefined, this.plugins);
    if (!prepared.ok) {
      if (prepared.code === "invalid_flow") {
        throw new AppError(400, "validation_failed", "The stored flow is not valid; save a corrected version", { errors: prepared.errors });
      }
      throw notFound("Flow");
    }
    const id = options.idempotencyKey
      ? await idempotentRunId(
          this.storage.executions,
          this.idKey,
          { accountId: principal.account_id, flowId, key: options.idempotencyKey },
          Date.now(),
        )
      : newId("exe");
    return this.start(
      {
        id,
        account_id: principal.account_id,
        flow_id: prepared.flow_id,
        flow_version: prepared.flow_version,
        flow: prepared.flow,
        input: options.input,
        trigger: options.trigger,
      },
      options.waitMs,
      principal,
    );
  }

  async rerun(
    principal: Principal,
    id: string,
    fromNode: string | undefined,
    input: JsonValue | undefined,
    waitMs: number,
    /** The new run's id when the caller needs repeats to start one run (bulk re-runs); else a fresh one. */
    newExecutionId: string = newId("exe"),
  ): Promise<RunResult> {
    const seed = (await this.findSummary(principal.account_id, id))
      ? await this.execution(id).rerunSeed(principal.account_id, fromNode ?? null)
      : null;
    if (!seed) {
      throw new AppError(
        404,
        "not_found",
        `Execution ${id} not found: it does not exist in this account, or it finished and was deleted after its retention period, and a deleted run cannot be re-run`,
      );
    }
    if (fromNode !== undefined && !seed.flow.nodes[fromNode]) {
      throw badRequest(`The flow has no node '${fromNode}'`, { field: "from_node" });
    }
    if (!seed.found && input === undefined) {
      throw badRequest(`Node '${fromNode}' never ran in execution ${id}; pass input to start there anyway`, { field: "from_node" });
    }
    const request: StartRequest = {
      id: newExecutionId,
      account_id: principal.account_id,
      flow_id: seed.flow_id,
      flow_version: seed.flow_version,
      flow: seed.flow,
      input: input === undefined ? seed.input : input,
      trigger: `rerun:${id}`,
      ...(fromNode === undefined ? {} : { start_node: fromNode, results: seed.results }),
    };
    return this.start(request, waitMs, principal);
  }

  async list(accountId: string, filter: ExecutionFilter, limit: number, cursor?: string): Promise<Page<ExecutionSummary>> {
    return this.storage.executions.list(accountId, filter, { limit, cursor });
  }

  async get(accountId: string, id: string, waitMs = 0): Promise<ExecutionView> {
    await this.requireSummary(accountId, id);
    const stub = this.execution(id);
    return orNotFound(waitMs > 0 ? await stub.waitFor(accountId, waitMs) : await stub.describe(accountId));
  }

  /** Waits up to `waitMs` until the run waits for something or ends, whichever comes first; the run then. */
  async awaitPause(accountId: string, id: string, waitMs: number): Promise<ExecutionView> {
    await this.requireSummary(accountId, id);
    return orNotFound(await this.execution(id).awaitResponse(accountId, waitMs, false)).execution;
  }

  async steps(
    accountId: string,
    id: string,
    options: { after: number; limit: number; node_id?: string; full: boolean },
  ): Promise<StepView[]> {
    await this.requireSummary(accountId, id);
    return orNotFound(await this.execution(id).steps(accountId, options));
  }

  async logs(
    accountId: string,
    id: string,
    options: { after: number; limit: number; node_id?: string; level?: string },
  ): Promise<LogLine[]> {
    await this.requireSummary(accountId, id);
    return orNotFound(await this.execution(id).logs(accountId, options));
  }

  async cancel(accountId: string, id: string): Promise<ExecutionView> {
    await this.requireSummary(accountId, id);
    return orNotFound(await this.execution(id).cancel(accountId));
  }

  async sendEvent(
    accountId: string,
    id: string,
    name: string,
    payload: JsonValue,
  ): Promise<{ delivered: number; execution: ExecutionView }> {
    requireStoredSize(payload, "storedValueBytes", "the event payload");
    const summary = await this.requireSummary(accountId, id);
    if (isFinal(summary.status)) {
      throw new AppError(409, "conflict", `Execution ${id} is ${summary.status}; it takes no more events`);
    }
    const result = orNotFound(await this.execution(id).sendEvent(accountId, name, payload));
    if (isFinal(result.execution.status) && result.delivered === 0) {
      throw new AppError(409, "conflict", `Execution ${id} is ${result.execution.status}; it takes no more events`);
    }
    return result;
  }

  /** Checks the execution belongs to the account before its object is touched. */
  async requireSummary(accountId: string, id: string): Promise<ExecutionSummary> {
    const summary = await this.findSummary(accountId, id);
    if (!summary) throw notFound("Execution");
    return summary;
  }

  private async findSummary(accountId: string, id: string): Promise<ExecutionSummary | null> {
    return /^exe_[0-9a-z]{25}$/.test(id) ? await this.storage.executions.get(accountId, id) : null;
  }

  /** Hands a WebSocket upgrade to the execution's object, which serves it. */
  connect(id: string, request: Request): Promise<Response> {
    return this.execution(id).fetch(request);
  }

  private start(request: StartRequest, waitMs: number, principal: Principal): Promise<RunResult> {
    requireStoredSize(request.input, "storedValueBytes", "the run input");
    const target = { type: "execution", id: request.id };
    const details = { flow_id: request.flow_id, flow_version: request.flow_version, trigger: request.trigger };
    // The execution object writes it with the run's first summary, and only if this call started the run.
    const audit = this.audit.event(this.audit.entryFor(principal, "run.started", target, details));
    return this.execution(request.id).start({ request, waitMs, audit });
  }
}

function orNotFound<T>(value: T | null): T {
  if (value === null) throw notFound("Execution");
  return value;
}
