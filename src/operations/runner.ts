/**
 * A bulk operation, pure: collects the executions its filter matched when it started, then acts on
 * them in bounded batches, one batch per call of `step()` (the operation object calls it from its
 * alarm). Progress lives in an `OperationStore`; each run's outcome is recorded with the counters in
 * one synchronous write, so a crash repeats at most the actions of the batch that was under way, and
 * both actions are idempotent (a cancelled run stays cancelled; a re-run gets an id derived from the
 * operation and the run, so starting it again finds the same execution).
 */
import type { ExecutionStatus } from "../engine/types";
import type { Page } from "../storage/types";
import {
  ACTIONABLE_STATUSES,
  type OperationAction,
  type OperationError,
  type OperationFilter,
  type OperationView,
} from "../services/operation-schemas";

/** Runs acted on per step: small enough that a step stays well inside an alarm's time. */
export const ACT_BATCH = 25;
/** Index entries read per page while collecting, and pages per step. */
export const SCAN_PAGE = 100;
export const SCAN_PAGES_PER_STEP = 5;
/** Failures kept with their reason; the rest are only counted. */
export const KEPT_ERRORS = 10;

export type TargetOutcome = "done" | "skipped" | "failed";

/** Who started the operation: re-runs are audited as theirs. */
export interface OperationActor {
  username: string;
  via: "jwt" | "api_token" | "basic";
  token_id?: string | undefined;
  ip?: string | undefined;
}

export interface OperationRecord extends OperationView {
  account_id: string;
  actor: OperationActor;
  /** The index cursor of the next page to collect; null before the first page and after the last. */
  cursor: string | null;
}

export interface OperationStart {
  id: string;
  account_id: string;
  action: OperationAction;
  filter: OperationFilter;
  actor: OperationActor;
  created_at: string;
}

export interface OperationStore {
  read(): OperationRecord | null;
  write(record: OperationRecord): void;
  /** Adds runs to act on, ignoring ones already known. */
  addTargets(ids: string[]): void;
  /** How many runs the operation has collected. */
  count(): number;
  /** Runs not yet acted on, in the order they were added. */
  pending(limit: number): string[];
  /** Records one run's outcome and the operation's new state together. */
  settle(executionId: string, outcome: TargetOutcome, record: OperationRecord): void;
}

/** What an action reports: acted, or nothing to do (the run ended meanwhile, or is gone). */
export type ActResult = "done" | "skipped";

export interface OperationPorts {
  store: OperationStore;
  now(): number;
  /** A page of the account's execution index, newest first. */
  list(
    accountId: string,
    filter: OperationFilter,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<{ id: string; status: ExecutionStatus }>>;
  /** Cancels or re-runs one execution; throws (with a `code`) when that fails. */
  act(record: OperationRecord, executionId: string): Promise<ActResult>;
}

export class OperationRunner {
  constructor(private readonly ports: OperationPorts) {}

  /** Starts the operation once; a repeat answers the one already started. */
  start(init: OperationStart): OperationRecord {
    const known = this.ports.store.read();
    if (known) return known;
    const record: OperationRecord = {
      id: init.id,
      account_id: init.account_id,
      action: init.action,
      filter: init.filter,
      actor: init.actor,
      status: "running",
      scanning: true,
      matched: 0,
      done: 0,
      skipped: 0,
      failed: 0,
      errors: [],
      created_at: init.created_at,
      updated_at: init.created_at,
      finished_at: null,
      cursor: null,
    };
    this.ports.store.write(record);
    return record;
  }

  current(): OperationRecord | null {
    return this.ports.store.read();
  }

  /** Does one bounded piece of work; answers whether work is left. */
  async step(): Promise<boolean> {
    const record = this.ports.store.read();
    if (!record || record.status !== "running") return false;
    if (record.scanning) await this.collect(record);
    else await this.act(record);
    return this.ports.store.read()?.status === "running";
  }

  /** Stops a running operation; runs already acted on stay as they are. */
  cancel(): OperationRecord | null {
    const record = this.ports.store.read();
    if (!record || record.status !== "running") return record;
    const at = this.isoNow();
    const stopped: OperationRecord = { ...record, status: "cancelled", updated_at: at, finished_at: at };
    this.ports.store.write(stopped);
    return stopped;
  }

  private async collect(record: OperationRecord): Promise<void> {
    const eligible: readonly ExecutionStatus[] = ACTIONABLE_STATUSES[record.action];
    // Runs created after the operation started (its own re-runs among them) are not part of it.
    const filter = { ...record.filter, until: earliest(record.filter.until, record.created_at) };
    let cursor = record.cursor ?? undefined;
    for (let page = 0; page < SCAN_PAGES_PER_STEP; page++) {
      const found = await this.ports.list(record.account_id, filter, cursor, SCAN_PAGE);
      this.ports.store.addTargets(found.items.filter((e) => eligible.includes(e.status)).map((e) => e.id));
      cursor = found.next_cursor ?? undefined;
      if (!cursor) break;
    }
    // Only cursors that are written survive a crash: a page read twice adds nothing (targets are a set).
    const latest = this.ports.store.read() ?? record;
    if (latest.status !== "running") return;
    const next: OperationRecord = {
      ...latest,
      matched: this.ports.store.count(),
      cursor: cursor ?? null,
      scanning: cursor !== undefined,
      updated_at: this.isoNow(),
    };
    this.ports.store.write(next.scanning ? next : this.finishIfIdle(next));
  }

  private async act(record: OperationRecord): Promise<void> {
    for (const executionId of this.ports.store.pending(ACT_BATCH)) {
      let outcome: TargetOutcome;
      let error: OperationError | null = null;
      try {
        outcome = await this.ports.act(record, executionId);
      } catch (thrown) {
        outcome = "failed";
        error = { execution_id: executionId, code: codeOf(thrown), message: messageOf(thrown) };
      }
      // Re-read: a cancel may have landed while the action was under way.
      const latest = this.ports.store.read() ?? record;
      const next: OperationRecord = {
        ...latest,
        [outcome]: latest[outcome] + 1,
        errors: error && latest.errors.length < KEPT_ERRORS ? [...latest.errors, error] : latest.errors,
        updated_at: this.isoNow(),
      };
      this.ports.store.settle(executionId, outcome, next);
      if (next.status !== "running") return;
    }
    const latest = this.ports.store.read();
    if (latest?.status === "running") this.ports.store.write(this.finishIfIdle(latest));
  }

  private finishIfIdle(record: OperationRecord): OperationRecord {
    if (record.scanning || this.ports.store.pending(1).length > 0) return record;
    return { ...record, status: record.failed > 0 ? "failed" : "succeeded", finished_at: this.isoNow(), updated_at: this.isoNow() };
  }

  private isoNow(): string {
    return new Date(this.ports.now()).toISOString();
  }
}

/** The view the API answers: no account, actor or cursor. */
export function operationView(record: OperationRecord): OperationView {
  const { account_id: _account, actor: _actor, cursor: _cursor, ...view } = record;
  return view;
}

function earliest(a: string | undefined, b: string): string {
  return a !== undefined && Date.parse(a) < Date.parse(b) ? a : b;
}

function codeOf(thrown: unknown): string {
  const code = (thrown as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "internal_error";
}

/** Only errors the services raise on purpose (they carry a code) say why; anything else stays internal. */
function messageOf(thrown: unknown): string {
  return thrown instanceof Error && codeOf(thrown) !== "internal_error" ? thrown.message.slice(0, 500) : "The action failed unexpectedly";
}
