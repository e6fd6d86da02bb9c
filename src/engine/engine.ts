import type { FlowDefinition } from "../flow";
import { parseDuration } from "../lib/duration";
import type { JsonValue } from "../lib/json";
import { DEFAULT_OPTIONS, EngineContext, type EngineOptions } from "./context";
import { drive } from "./drive";
import type { ChildResult, EngineHost } from "./host";
import { NodeError } from "./outcome";
import { finish, resumeIfWaiting } from "./status";
import { completeStep, endEventWait, failStep } from "./steps";
import { fireDueTimers } from "./timers";
import { isFinal, type ExecutionState, type ParentRef } from "./types";

export type { EngineOptions } from "./context";

export interface StartRequest {
  id: string;
  account_id: string;
  flow_id: string;
  flow_version: number;
  flow: FlowDefinition;
  input: JsonValue;
  trigger: string;
  parent?: ParentRef | null;
  /** Re-runs start here with the recorded outputs of earlier steps. */
  start_node?: string;
  results?: Record<string, JsonValue>;
  step_limit?: number;
  depth?: number;
}

export const DEFAULT_STEP_LIMIT = 10_000;

/**
 * Drives one execution through its graph. All state goes through the store, step by step, so a new
 * engine over the same store resumes where a crashed one stopped. One engine instance serves one
 * execution object. The parts are described in ARCHITECTURE.md next to this file.
 */
export class ExecutionEngine {
  private readonly ctx: EngineContext;
  private driving: Promise<void> | null = null;

  constructor(host: EngineHost, options: Partial<EngineOptions> = {}) {
    this.ctx = new EngineContext(host, { ...DEFAULT_OPTIONS, ...options });
  }

  /** The current state, or null before start. */
  current(): ExecutionState | null {
    return this.ctx.current();
  }

  /** Records a new run, or returns the existing one: starting twice is harmless. */
  async start(request: StartRequest): Promise<{ state: ExecutionState; created: boolean }> {
    const existing = this.current();
    if (existing) return { state: existing, created: false };
    const { host } = this.ctx;
    const now = host.now();
    const state: ExecutionState = {
      id: request.id,
      account_id: request.account_id,
      flow_id: request.flow_id,
      flow_version: request.flow_version,
      flow: request.flow,
      input: request.input,
      status: "running",
      created_at: new Date(now).toISOString(),
      finished_at: null,
      output: null,
      error: null,
      shared: {},
      step_count: 0,
      step_limit: request.step_limit ?? DEFAULT_STEP_LIMIT,
      parent: request.parent ?? null,
      ends: {},
      start_node: request.start_node ?? request.flow.start,
      trigger: request.trigger,
      depth: request.depth ?? 0,
    };
    const { store } = host;
    store.save(state);
    for (const [node, output] of Object.entries(request.results ?? {})) store.setResult(node, output);
    store.addToken({
      node_id: state.start_node,
      state: "ready",
      input: request.input,
      attempt: 1,
      from_node: null,
      pending: null,
      step_seq: null,
    });
    const timeout = request.flow.timeout ? parseDuration(request.flow.timeout) : undefined;
    if (timeout) store.addTimer("flow_timeout", now + timeout, null);
    store.appendEvent("execution.started", null, { flow_id: state.flow_id, flow_version: state.flow_version, trigger: state.trigger });
    this.ctx.adopt(state);
    // No summary row yet: the caller indexes the run (indexStart) when it is about to answer, so a
    // run that finishes by then is written once, finished. The first steps need not wait for the
    // row (nothing they do leaves the run before a flush: see StepRequest.beforeEffect).
    return { state, created: true };
  }

  /**
   * Writes the run's summary row unless a status change already queued a write (which takes the
   * state as it is when it starts). Resolves once every write queued so far is done; each is tried
   * once and failures are logged.
   */
  indexStart(): Promise<void> {
    return this.ctx.index.start();
  }

  /** Resolves once the summary writes queued so far are done (before the row is deleted, so none lands after). */
  indexWritten(): Promise<void> {
    return this.ctx.index.idle();
  }

  /** Runs ready branches until the run finishes, waits, or uses its budget. Calls coalesce. */
  run(): Promise<void> {
    if (this.driving) {
      this.ctx.again = true;
      return this.driving;
    }
    this.driving = this.driveWhileReady().finally(() => {
      this.driving = null;
    });
    return this.driving;
  }

  private async driveWhileReady(): Promise<void> {
    do {
      this.ctx.again = false;
      await drive(this.ctx);
    } while (this.ctx.again && !isFinal(this.current()?.status ?? "completed"));
  }

  /** Resolves when the run is final or `timeoutMs` passed, with the state then. */
  async settled(timeoutMs: number): Promise<ExecutionState | null> {
    const state = this.current();
    if (!state || isFinal(state.status) || timeoutMs <= 0) return state;
    const { waiters } = this.ctx;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
    return this.current();
  }

  /** Applies the timers that are due by the host's clock, then drives the run. */
  async onAlarm(): Promise<void> {
    const state = this.current();
    if (!state || isFinal(state.status)) return;
    await fireDueTimers(this.ctx);
    await this.run();
  }

  async cancel(reason = "Cancelled by request"): Promise<ExecutionState | null> {
    const state = this.current();
    if (state && !isFinal(state.status)) await finish(this.ctx, "cancelled", null, { code: "cancelled", message: reason, node_id: "" });
    return this.current();
  }

  /** Resumes branches waiting for `name`; with none waiting, keeps it for the first that will. */
  async sendEvent(name: string, payload: JsonValue): Promise<number> {
    const { store } = this.ctx.host;
    const waiting = store.tokens().flatMap((t) => (t.state === "waiting_event" && t.pending.event === name ? [t] : []));
    if (waiting.length === 0) {
      store.putInbox(name, payload);
      return 0;
    }
    await resumeIfWaiting(this.ctx);
    for (const token of waiting) {
      store.removeTimers({ token_id: token.id });
      endEventWait(this.ctx, token, name, token.pending.resume, { received: true, payload });
    }
    await this.run();
    return waiting.length;
  }

  /** A child run this run waits for (a `flow` node) ended. */
  async childFinished(tokenId: number, result: ChildResult): Promise<void> {
    const token = this.ctx.host.store.token(tokenId);
    if (!token || token.state !== "waiting_child") return;
    await resumeIfWaiting(this.ctx);
    if (result.status === "completed") completeStep(this.ctx, token, "default", result.output);
    else {
      const message = result.error?.message ?? `The child execution was ${result.status}`;
      await failStep(
        this.ctx,
        token,
        new NodeError("subflow_failed", message, { status: result.status, error: result.error?.code ?? null }),
      );
    }
    await this.run();
  }
}
