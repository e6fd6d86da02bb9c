import { DurableObject } from "cloudflare:workers";
import { parseConfig, type Env } from "../../env";
import { AppError } from "../../errors";
import { derivedId } from "../../lib/ids";
import { OperationRunner, operationView, type ActResult, type OperationRecord, type OperationStart } from "../../operations/runner";
import { PluginDirectory } from "../../plugins/directory";
import { AuditService } from "../../services/audit";
import type { OperationRpc } from "../../services/operation-rpc";
import type { OperationView } from "../../services/operation-schemas";
import { RunService } from "../../services/runs";
import { createStorage } from "../../storage";
import { executionStub } from "../execution/rpc";
import { SqliteOperationStore } from "./sqlite-store";

/** After a step that failed as a whole (the account database did not answer), the next try. */
const RETRY_AFTER_MS = 30_000;

/**
 * One bulk operation (named by its id): a thin adapter that gives the pure OperationRunner its
 * Workers-backed ports. Its alarm does one bounded step at a time and re-arms while work is left;
 * every run is cancelled or re-run through RunService, as a single API call would.
 */
export class OperationObject extends DurableObject<Env> implements OperationRpc {
  private readonly runner: OperationRunner;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const defer = (work: Promise<unknown>) => ctx.waitUntil(work);
    const storage = createStorage(env, { defer, connections: 1 });
    const { jwtSecret } = parseConfig(env);
    const runs = new RunService(
      storage,
      (id) => executionStub(env.EXECUTIONS, id),
      jwtSecret,
      new AuditService(storage, defer),
      PluginDirectory.fromBindings(storage.plugins, env),
    );
    this.runner = new OperationRunner({
      store: new SqliteOperationStore(ctx.storage),
      now: () => Date.now(),
      list: (accountId, filter, cursor, limit) => storage.executions.list(accountId, filter, { limit, cursor }),
      act: (record, executionId) => act(runs, jwtSecret, record, executionId),
    });
  }

  async start(init: OperationStart): Promise<OperationView> {
    const record = this.runner.start(init);
    if (record.status === "running") await this.ctx.storage.setAlarm(Date.now());
    return operationView(record);
  }

  async describe(accountId: string): Promise<OperationView | null> {
    const record = this.runner.current();
    return record?.account_id === accountId ? operationView(record) : null;
  }

  async cancel(accountId: string): Promise<OperationView | null> {
    if (this.runner.current()?.account_id !== accountId) return null;
    const record = this.runner.cancel();
    await this.ctx.storage.deleteAlarm();
    return record && operationView(record);
  }

  override async alarm(): Promise<void> {
    let more: boolean;
    try {
      more = await this.runner.step();
    } catch (error) {
      console.error("bulk operation: step failed; retrying shortly", error);
      await this.ctx.storage.setAlarm(Date.now() + RETRY_AFTER_MS);
      return;
    }
    if (more) await this.ctx.storage.setAlarm(Date.now());
  }
}

async function act(runs: RunService, idKey: string, record: OperationRecord, executionId: string): Promise<ActResult> {
  try {
    if (record.action === "cancel") {
      const after = await runs.cancel(record.account_id, executionId);
      return after.status === "cancelled" ? "done" : "skipped";
    }
    // The same operation and run always name the same new execution, so a repeated step starts nothing.
    const rerunId = await derivedId("exe", idKey, `operation:${record.id}:${executionId}`);
    await runs.rerun({ account_id: record.account_id, ...record.actor }, executionId, undefined, undefined, 0, rerunId);
    return "done";
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return "skipped";
    throw error;
  }
}
