import type { FlowDefinition } from "../flow";
import { parseDuration } from "../lib/duration";
import { NodeError, type NodeOutcome, type StepError } from "./outcome";
import { isRecord, type JsonValue } from "../lib/json";
import { canReach, predecessorCounts, targetsFor } from "./graph";
import type { ChildResult, EngineHost } from "./host";
import { preview } from "./preview";
import { canRetry, retryDelayMs } from "./retry";
import { isFinal, type ExecutionState, type ExecutionStatus, type ParentRef, type Token } from "./types";

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

export interface EngineOptions {
  /** Steps run in one invocation before the object yields through its alarm. */
  stepBudget: number;
  /** Branches that run at the same time inside one execution. */
  maxConcurrency: number;
}

export const DEFAULT_STEP_LIMIT = 10_000;
const DEFAULT_OPTIONS: EngineOptions = { stepBudget: 1_000, maxConcurrency: 16 };

/**
 * Drives one execution through its graph. All state goes through the store,
 * step by step, so a new engine over the same store resumes where a crashed
 * one stopped. One engine instance serves one execution object.
 */
export class ExecutionEngine {
  private state: ExecutionState | null = null;
  private results: Record<string, JsonValue> | null = null;
  private joins: Map<string, number> | null = null;
  private readonly inflight = new Map<number, AbortController>();
  private driving: Promise<void> | null = null;
  /** The tail of the queue of summary writes (see transition). */
  private index: Promise<void> = Promise.resolve();
  /** Whether this instance has queued a summary write; the first one waits until the run is durable. */
  private summaryQueued = false;
  /** The run resumed and its summary row still says it waits (see setStatus). */
  private runningUnindexed = false;
  private again = false;
  private readonly waiters = new Set<() => void>();
  private readonly options: EngineOptions;
  private readonly memos = new Map<string, { value: JsonValue }>();

  constructor(
    private readonly host: EngineHost,
    options: Partial<EngineOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** The current state, or null before start. */
  current(): ExecutionState | null {
    this.state ??= this.host.store.load();
    return this.state;
  }

  /** Records a new run, or returns the existing one: starting twice is harmless. */
  async start(request: StartRequest): Promise<{ state: ExecutionState; created: boolean }> {
    const existing = this.current();
    if (existing) return { state: existing, created: false };
    const now = this.host.now();
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
    const { store } = this.host;
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
    this.state = state;
    // No summary row yet: the caller indexes the run (indexStart) when it is about to answer, so a
    // run that finishes by then is written once, finished. The first steps need not wait for the
    // row (nothing they do leaves the run before a flush: see runToken).
    return { state, created: true };
  }

  /**
   * Writes the run's summary row unless a status change already queued a write (which takes the
   * state as it is when it starts). Resolves once every write queued so far is done; each is tried
   * once and failures are logged.
   */
  indexStart(): Promise<void> {
    return this.summaryQueued ? this.index : this.transition();
  }

  /** Runs ready branches until the run finishes, waits, or uses its budget. Calls coalesce. */
  run(): Promise<void> {
    if (this.driving) {
      this.again = true;
      return this.driving;
    }
    this.driving = (async () => {
      try {
        do {
          this.again = false;
          await this.drive();
        } while (this.again && !isFinal(this.current()?.status ?? "completed"));
      } finally {
        this.driving = null;
      }
    })();
    return this.driving;
  }

  /** Resolves when the run is final or `timeoutMs` passed, with the state then. */
  async settled(timeoutMs: number): Promise<ExecutionState | null> {
    const state = this.current();
    if (!state || isFinal(state.status) || timeoutMs <= 0) return state;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.add(done);
    });
    return this.current();
  }

  async onAlarm(): Promise<void> {
    const state = this.current();
    if (!state || isFinal(state.status)) return;
    const { store } = this.host;
    for (const timer of store.dueTimers(this.host.now())) {
      store.removeTimers({ id: timer.id });
      const token = timer.token_id === null ? undefined : store.token(timer.token_id);
      if (timer.kind === "flow_timeout") {
        await this.finish("failed", null, { code: "timeout", message: `The flow timed out after ${state.flow.timeout}`, node_id: "" });
        return;
      }
      if (!token) continue;
      await this.resumeIfWaiting();
      if (timer.kind === "retry" && token.state === "retry_wait") this.setTokenState(token, "ready");
      if (timer.kind === "wake" && token.state === "sleeping") {
        const pending = token.pending as { action: string; output: JsonValue };
        this.completeStep(token, pending.action, pending.output);
      }
      if (timer.kind === "event_timeout" && token.state === "waiting_event") {
        const event = (token.pending as { event: string }).event;
        this.completeStep(token, "timeout", { event, timed_out: true });
      }
    }
    await this.run();
  }

  async cancel(reason = "Cancelled by request"): Promise<ExecutionState | null> {
    const state = this.current();
    if (state && !isFinal(state.status)) await this.finish("cancelled", null, { code: "cancelled", message: reason, node_id: "" });
    return this.current();
  }

  /** Resumes branches waiting for `name`; with none waiting, keeps it for the first that will. */
  async sendEvent(name: string, payload: JsonValue): Promise<number> {
    const { store } = this.host;
    const waiting = store.tokens().filter((t) => t.state === "waiting_event" && (t.pending as { event: string }).event === name);
    if (waiting.length === 0) {
      store.putInbox(name, payload);
      return 0;
    }
    await this.resumeIfWaiting();
    for (const token of waiting) {
      store.removeTimers({ token_id: token.id });
      this.completeStep(token, "default", payload);
    }
    await this.run();
    return waiting.length;
  }

  async childFinished(tokenId: number, result: ChildResult): Promise<void> {
    const token = this.host.store.token(tokenId);
    if (!token || token.state !== "waiting_child") return;
    await this.resumeIfWaiting();
    if (result.status === "completed") this.completeStep(token, "default", result.output);
    else {
      const message = result.error?.message ?? `The child execution was ${result.status}`;
      this.failStep(token, new NodeError("subflow_failed", message, { status: result.status, error: result.error?.code ?? null }));
    }
    await this.run();
  }

  private async drive(): Promise<void> {
    const state = this.current();
    if (!state || isFinal(state.status)) return;
    const { store } = this.host;
    for (const token of store.tokens()) {
      if (token.state === "running" && !this.inflight.has(token.id)) {
        // The object restarted while this step ran: run the same attempt again.
        if (token.step_seq !== null) {
          store.finishStep(token.step_seq, {
            status: "failed",
            action: null,
            output: null,
            error: { code: "interrupted", message: "The execution restarted while this step ran; it runs again", node_id: token.node_id },
            finished_at: new Date(this.host.now()).toISOString(),
          });
        }
        this.setTokenState(token, "ready");
      }
    }
    const active = new Map<number, Promise<void>>();
    let started = 0;
    for (;;) {
      if (isFinal(this.current()!.status)) break;
      for (const token of store.tokens()) {
        if (active.size >= this.options.maxConcurrency || started >= this.options.stepBudget) break;
        if (token.state !== "ready" || active.has(token.id)) continue;
        await this.resumeIfWaiting();
        started++;
        active.set(
          token.id,
          this.runToken(token).finally(() => active.delete(token.id)),
        );
      }
      if (active.size === 0) break;
      await Promise.race(active.values());
    }
    await this.settle(started >= this.options.stepBudget);
  }

  private async runToken(token: Token): Promise<void> {
    const state = this.current()!;
    const node = state.flow.nodes[token.node_id];
    const { store } = this.host;
    if (!node) return this.finish("failed", null, { code: "unknown_node", message: `No node '${token.node_id}'`, node_id: token.node_id });
    if (state.step_count >= state.step_limit) {
      const message = `The run reached its limit of ${state.step_limit} steps (a cycle that never ends?)`;
      return this.finish("failed", null, { code: "step_limit_exceeded", message, node_id: token.node_id });
    }
    // Not saved here: the store counts step records on load (see ExecutionStore.load), so a step
    // costs no rewrite of the whole state.
    state.step_count++;
    const startedAt = this.host.now();
    const sideEffects = this.host.hasSideEffects(node.type);
    // A pure step's start is held with its completion (see completeStep): if the object dies before
    // they are applied, the step runs again from the token, as if it had never started, to the same result.
    store.batch(
      () => {
        token.step_seq = store.startStep({
          token_id: token.id,
          node_id: token.node_id,
          attempt: token.attempt,
          status: "running",
          action: null,
          input: token.input,
          output: null,
          error: null,
          started_at: new Date(startedAt).toISOString(),
          finished_at: null,
        });
        token.state = "running";
        store.updateToken(token);
        store.appendEvent("step.started", token.node_id, { step: token.step_seq, attempt: token.attempt, input: preview(token.input) });
      },
      { hold: !sideEffects },
    );
    // Before an effect leaves the run, everything up to and including "this step started" must be
    // durable: a crash then re-runs only this step, and its record shows it was interrupted.
    if (sideEffects) {
      if (this.runningUnindexed) void this.transition();
      await store.flush();
      if (isFinal(this.current()!.status)) return;
    }

    const controller = new AbortController();
    this.inflight.set(token.id, controller);
    let outcome: NodeOutcome | undefined;
    let failure: NodeError | undefined;
    const timeoutMs = node.timeout ? parseDuration(node.timeout) : undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const work = this.host.runStep({
        state,
        token,
        node,
        results: this.allResults(),
        signal: controller.signal,
        now: () => this.host.now(),
        beforeEffect: () => store.flush(),
        memo: {
          get: (key) => this.memos.get(`${token.id}:${key}`),
          put: (key, value) => void this.memos.set(`${token.id}:${key}`, { value }),
        },
        emit: () => undefined,
        runChild: () => Promise.reject(new NodeError("not_available", "runChild")),
        log: (level, message, data) => store.appendEvent("log", token.node_id, { level, message, ...(data === undefined ? {} : { data }) }),
      });
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason));
        if (timeoutMs !== undefined) {
          timer = setTimeout(
            () => controller.abort(new NodeError("timeout", `Node '${token.node_id}' timed out after ${node.timeout}`)),
            timeoutMs,
          );
        }
      });
      outcome = await Promise.race([work, aborted]);
    } catch (error) {
      failure = toNodeError(error);
    } finally {
      clearTimeout(timer);
      this.inflight.delete(token.id);
    }
    if (isFinal(this.current()!.status)) return;
    if (failure) return this.failStep(token, failure);
    await this.applyOutcome(token, outcome!, startedAt, sideEffects);
  }

  private async applyOutcome(token: Token, outcome: NodeOutcome, startedAt: number, sideEffects: boolean): Promise<void> {
    const { store } = this.host;
    const waitStep = (data: JsonValue) => {
      store.finishStep(token.step_seq!, { status: "waiting", action: null, output: null, error: null, finished_at: null });
      store.appendEvent("step.waiting", token.node_id, data);
    };
    if (outcome.shared !== undefined && isRecord(outcome.shared)) {
      this.current()!.shared = outcome.shared;
      store.save(this.current()!);
    }
    switch (outcome.kind) {
      case "done":
        this.completeStep(token, outcome.action, outcome.output, this.host.now() - startedAt, !sideEffects);
        return;
      case "sleep":
        token.state = "sleeping";
        token.pending = { action: outcome.action, output: outcome.output };
        store.updateToken(token);
        store.addTimer("wake", outcome.until, token.id);
        waitStep({ until: new Date(outcome.until).toISOString() });
        return;
      case "wait_event": {
        const buffered = store.takeInbox(outcome.event);
        if (buffered !== undefined) return this.completeStep(token, "default", buffered);
        token.state = "waiting_event";
        token.pending = { event: outcome.event };
        store.updateToken(token);
        if (outcome.timeoutAt !== null) store.addTimer("event_timeout", outcome.timeoutAt, token.id);
        waitStep({ event: outcome.event, timeout_at: outcome.timeoutAt === null ? null : new Date(outcome.timeoutAt).toISOString() });
        return;
      }
      case "subflow": {
        if (outcome.wait) {
          token.state = "waiting_child";
          store.updateToken(token);
          waitStep({ flow_id: outcome.flowId });
        }
        let childId: string;
        try {
          childId = await this.host.spawnChild(this.current()!, token, outcome);
        } catch (error) {
          return this.failStep(token, toNodeError(error));
        }
        if (!outcome.wait) return this.completeStep(token, "default", { execution_id: childId }, this.host.now() - startedAt);
        const waiting = store.token(token.id);
        if (waiting?.state === "waiting_child") store.updateToken({ ...waiting, pending: { child: childId } });
        return;
      }
    }
  }

  /**
   * With `hold` (a pure step that just ran), the completion is held like the step's start: applied
   * with the next write that is not held (a step with effects, which then flushes), the next read,
   * or the end of the drive, so a streak of pure steps costs one statement, not one per step. Any
   * other completion (an HTTP call, a wake-up, an event, a child's result) is applied at once, so
   * the caller's answer and the alarm's end come after it.
   */
  private completeStep(token: Token, action: string, output: JsonValue, durationMs?: number, hold = false): void {
    this.host.store.batch(
      () => {
        const { store } = this.host;
        const finishedAt = this.host.now();
        if (token.step_seq !== null) {
          store.finishStep(token.step_seq, {
            status: "completed",
            action,
            output,
            error: null,
            finished_at: new Date(finishedAt).toISOString(),
          });
        }
        this.allResults()[token.node_id] = output;
        store.setResult(token.node_id, output);
        store.appendEvent("step.completed", token.node_id, {
          step: token.step_seq,
          action,
          output: preview(output),
          ...(durationMs === undefined ? {} : { duration_ms: durationMs }),
        });
        this.advance(token, action, output);
      },
      { hold },
    );
  }

  private failStep(token: Token, error: NodeError): void {
    this.host.store.batch(() => {
      const state = this.current()!;
      const node = state.flow.nodes[token.node_id]!;
      const { store } = this.host;
      const stepError: StepError = {
        code: error.code,
        message: error.message,
        node_id: token.node_id,
        ...(error.details === undefined ? {} : { details: error.details }),
      };
      const finishedAt = new Date(this.host.now()).toISOString();
      if (error.retryable && canRetry(node.retry, token.attempt)) {
        const delay = retryDelayMs(node.retry!, token.attempt, () => this.host.random());
        store.finishStep(token.step_seq!, { status: "retrying", action: null, output: null, error: stepError, finished_at: finishedAt });
        store.appendEvent("step.retrying", token.node_id, {
          step: token.step_seq,
          attempt: token.attempt,
          delay_ms: delay,
          error: stepError as unknown as JsonValue,
        });
        token.attempt++;
        token.state = "retry_wait";
        store.updateToken(token);
        store.addTimer("retry", this.host.now() + delay, token.id);
        return;
      }
      store.finishStep(token.step_seq!, { status: "failed", action: null, output: null, error: stepError, finished_at: finishedAt });
      store.appendEvent("step.failed", token.node_id, {
        step: token.step_seq,
        attempt: token.attempt,
        error: stepError as unknown as JsonValue,
      });
      if ((node.next.error ?? []).length > 0) {
        const output = stepError as unknown as JsonValue;
        this.allResults()[token.node_id] = output;
        store.setResult(token.node_id, output);
        this.advance(token, "error", output);
        return;
      }
      // The step's own record says failed; finish() must not restate it as cancelled.
      store.removeToken(token.id);
      void this.finish("failed", null, stepError);
    });
  }

  /** Moves a finished branch along its edge, fanning out or joining as the graph says. */
  private advance(token: Token, action: string, output: JsonValue): void {
    const state = this.current()!;
    const { store } = this.host;
    store.removeToken(token.id);
    const targets = targetsFor(state.flow, token.node_id, action);
    if (targets.length === 0) {
      state.ends[token.node_id] = output;
      store.save(state);
    }
    this.joins ??= predecessorCounts(state.flow);
    for (const target of targets) {
      const joining = (this.joins.get(target) ?? 0) > 1;
      store.addToken({
        node_id: target,
        state: joining ? "joining" : "ready",
        input: output,
        attempt: 1,
        from_node: token.node_id,
        pending: null,
        step_seq: null,
      });
    }
    this.resolveJoins(false);
  }

  /**
   * A node reached by several branches runs once no other live branch can
   * still reach it. Its input is the one arriving output, or an object of
   * outputs keyed by the node each came from.
   */
  private resolveJoins(force: boolean): void {
    const { store } = this.host;
    const flow = this.current()!.flow;
    const tokens = store.tokens();
    const byNode = new Map<string, Token[]>();
    for (const t of tokens) if (t.state === "joining") byNode.set(t.node_id, [...(byNode.get(t.node_id) ?? []), t]);
    for (const [nodeId, arrived] of byNode) {
      const blocked = !force && tokens.some((t) => !(t.state === "joining" && t.node_id === nodeId) && canReach(flow, t.node_id, nodeId));
      if (blocked) continue;
      for (const t of arrived) store.removeToken(t.id);
      const input: JsonValue =
        arrived.length === 1 ? arrived[0]!.input : Object.fromEntries(arrived.map((t) => [t.from_node ?? String(t.id), t.input]));
      store.addToken({ node_id: nodeId, state: "ready", input, attempt: 1, from_node: null, pending: null, step_seq: null });
    }
  }

  /** After a drive: finish, wait, or yield, and arm the alarm for what comes next. */
  private async settle(budgetUsed: boolean): Promise<void> {
    const state = this.current()!;
    if (isFinal(state.status)) return;
    const { store } = this.host;
    let tokens = store.tokens();
    if (tokens.length > 0 && tokens.every((t) => t.state === "joining")) {
      this.resolveJoins(true);
      this.again = true;
      return;
    }
    if (tokens.length === 0) {
      const ends = Object.entries(state.ends);
      const output = ends.length === 1 ? ends[0]![1] : Object.fromEntries(ends);
      return this.finish("completed", output, null);
    }
    tokens = store.tokens();
    if (tokens.some((t) => t.state === "ready")) {
      if (budgetUsed) store.addTimer("yield", this.host.now(), null);
      else this.again = true;
    } else if (state.status !== "waiting") {
      await this.setStatus("waiting", "execution.waiting");
    }
    if (this.runningUnindexed) void this.transition();
    await this.syncAlarm();
  }

  private async finish(status: ExecutionStatus, output: JsonValue | null, error: StepError | null): Promise<void> {
    const state = this.current()!;
    if (isFinal(state.status)) return;
    const { store } = this.host;
    for (const controller of this.inflight.values()) controller.abort(new NodeError("cancelled", "The execution ended"));
    const children: string[] = [];
    store.batch(() => {
      for (const token of store.tokens()) {
        const child = token.state === "waiting_child" ? (token.pending as { child?: string } | null)?.child : undefined;
        if (child) children.push(child);
        if (token.step_seq !== null && ["running", "sleeping", "waiting_event", "waiting_child"].includes(token.state)) {
          store.finishStep(token.step_seq, {
            status: "cancelled",
            action: null,
            output: null,
            error,
            finished_at: new Date(this.host.now()).toISOString(),
          });
        }
        store.removeToken(token.id);
      }
      store.removeTimers({});
      state.status = status;
      state.output = output;
      state.error = error;
      state.finished_at = new Date(this.host.now()).toISOString();
      store.save(state);
      store.appendEvent(`execution.${status}` as "execution.completed", null, {
        status,
        ...(output === null ? {} : { output: preview(output) }),
        ...(error ? { error: error as unknown as JsonValue } : {}),
      });
    });
    await store.flush();
    // No timers are left (removed above), so no alarm either.
    await this.host.setAlarm(null);
    await this.transition();
    // A child run has no purpose once its parent has ended.
    await Promise.all(
      children.map((id) => this.host.cancelChild(id).catch((error: unknown) => console.error("cancelling child", id, error))),
    );
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    if (state.parent) await this.host.notifyParent(state);
  }

  private async setStatus(status: ExecutionStatus, event: "execution.waiting" | "execution.resumed"): Promise<void> {
    const state = this.current()!;
    state.status = status;
    this.host.store.save(state);
    this.host.store.appendEvent(event, null, { status });
    // A resumed run is listed as running when it first has to wait for the network or yields (see
    // runToken, settle): one that finishes or waits again before then costs one index write instead
    // of two, and its steps do not wait for either.
    if (status === "running") this.runningUnindexed = true;
    else await this.transition();
  }

  private async resumeIfWaiting(): Promise<void> {
    if (this.current()?.status === "waiting") await this.setStatus("running", "execution.resumed");
  }

  /**
   * Queues a summary write. Writes go one at a time, in order, and each takes the state as it is
   * when it starts, so the row never goes back to an older status. The first write waits until
   * everything recorded so far is durable, so the index never lists a run that a crash could lose.
   */
  private transition(): Promise<void> {
    this.runningUnindexed = false;
    const flushFirst = !this.summaryQueued;
    this.summaryQueued = true;
    this.index = this.index.then(async () => {
      try {
        if (flushFirst) await this.host.store.flush();
        await this.host.onTransition(this.current()!);
      } catch (error) {
        // The summary row is an index: the run goes on, and the next transition rewrites it.
        console.error("execution summary write failed", error);
      }
    });
    return this.index;
  }

  private async syncAlarm(): Promise<void> {
    await this.host.setAlarm(this.host.store.nextTimer()?.fire_at ?? null);
  }

  private setTokenState(token: Token, next: Token["state"]): void {
    token.state = next;
    this.host.store.updateToken(token);
  }

  private allResults(): Record<string, JsonValue> {
    this.results ??= this.host.store.results();
    return this.results;
  }
}

function toNodeError(error: unknown): NodeError {
  if (error instanceof NodeError) return error;
  if (error instanceof Error) return new NodeError("node_error", error.message);
  return new NodeError("node_error", String(error));
}
