import { DurableObject } from "cloudflare:workers";
import { ExecutionEngine } from "../../engine/engine";
import type { ChildResult, EngineHost } from "../../engine/host";
import { isFinal, type ExecutionEvent, type ExecutionState } from "../../engine/types";
import { parseConfig, type AppConfig, type Env } from "../../env";
import { runNode } from "../../nodes/lifecycle";
import { pluginInvoker } from "../../nodes/plugin/invoke";
import { pluginNodes } from "../../nodes/plugin/resolve";
import { PluginDirectory } from "../../plugins/directory";
import { openPluginSecret } from "../../services/plugin-secrets";
import type { JsonValue } from "../../lib/json";
import { getSandbox } from "../../sandbox";
import { ScheduleService } from "../../services/schedules";
import { SecretCache } from "../../services/secret-cache";
import { vaultSource } from "../../services/secrets";
import { createStorage } from "../../storage";
import type { AuditEventRecord, Storage } from "../../storage/types";
import { createVault } from "../../vault";
import { AnswerWatch, firstAnswer, respondNodeIds } from "./answers";
import { awaitChild, startChild } from "./children";
import { runEventDispatch, type RunEventDispatch } from "./dispatch";
import { scheduleStub } from "../schedule/rpc";
import type { KeyValueStore } from "../../nodes/capabilities/kv";
import { remoteKeyValueStore } from "../../services/store-client";
import { registryFlows } from "../../nodes/capabilities/flows";
import { storeStub } from "../store/rpc";
import { vectorsStub } from "../vectors/rpc";
import { remoteVectorCollection } from "../../services/vectors-client";
import { vectorizeCollection } from "../../nodes/capabilities/vectors-vectorize";
import { executionStub } from "./rpc";
import { workersConnect } from "./connect";
import type { AwaitedRun, ExecutionRpc, RerunSeed, StartPayload } from "../../services/execution-rpc";
import type { ExecutionView, LogLine, StepView } from "../../services/execution-schemas";
import { SqliteExecutionStore } from "./sqlite-store";
import { ExecutionSockets } from "./sockets";
import { DELETED_CLOSE_CODE, ExecutionRetention } from "./retention";
import { executionView, stepView, summaryOf } from "./views";
import { TransitionLog } from "./transition-log";
import { levelFromEnv } from "../../lib/log";
import { tokensOf } from "../../storage/metrics-types";

// If the object dies while driving a run outside an alarm, this alarm resumes it.
const BACKSTOP_MS = 15_000;
/** How long a caller that waits for the result lets a new run go unlisted: most short runs are done by then. */
const START_INDEX_GRACE_MS = 200;

/**
 * One execution: the source of truth for its state, steps, events and
 * timers. A thin adapter that gives the pure engine its Workers-backed host.
 */
export class ExecutionObject extends DurableObject<Env> implements ExecutionRpc {
  private store!: SqliteExecutionStore;
  private engine!: ExecutionEngine;
  /**
   * Opens the store and the engine over the object's storage; again once the run is deleted, so
   * the object answers as one that never ran (and a new start begins a new run).
   */
  private readonly open: () => void;
  private readonly sockets: ExecutionSockets;
  private readonly retention: ExecutionRetention;
  /** Webhooks and flow triggers set off by the run's status changes and failed steps. */
  private readonly dispatch: RunEventDispatch;
  private readonly answers = new AnswerWatch();
  /** The start's audit event, until the first summary write takes it along. */
  private pendingAudit: AuditEventRecord | null = null;
  /** The run's account's store, its object stub kept across steps (an execution has one account). */
  private kv: KeyValueStore | undefined;
  /** Secrets the run's steps read, kept in memory only: a minute at most, and never past the object's eviction. */
  private readonly secrets: SecretCache;
  private readonly transitions = new TransitionLog();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    levelFromEnv(env.LOG_LEVEL);
    this.sockets = new ExecutionSockets(ctx);
    const now = () => Date.now();
    const storage = createStorage(env, { defer: (work) => ctx.waitUntil(work), connections: 1 });
    const config = parseConfig(env);
    this.dispatch = runEventDispatch(env, storage, config.jwtSecret, (work) => ctx.waitUntil(work));
    const vault = createVault(storage.secrets, env.VAULT_MASTER_KEYS, env.VAULT_ACTIVE_KEY_ID);
    this.secrets = new SecretCache(vaultSource(storage, vault), { now, defer: (work) => ctx.waitUntil(work) });
    const schedules = new ScheduleService(storage, (id) => scheduleStub(env.SCHEDULES, id), null);
    const plugins = pluginNodes(
      PluginDirectory.fromBindings(storage.plugins, env),
      pluginInvoker({ openSecret: (record) => openPluginSecret(vault, record), now }),
    );
    this.retention = new ExecutionRetention(ctx, {
      storage,
      serverDays: config.retentionDays,
      indexWritten: () => this.engine.indexWritten(),
      now,
      forget: () => {
        this.sockets.closeAll(DELETED_CLOSE_CODE, "The execution was deleted (retention)");
        this.open();
      },
    });
    this.open = () => {
      this.store = new SqliteExecutionStore(ctx.storage.sql, {
        sync: () => ctx.storage.sync(),
        onEvent: (event: ExecutionEvent) => {
          this.sockets.broadcast(event);
          if (event.type === "step.failed") {
            this.dispatch.stepFailed(this.engine.current(), event);
            this.transitions.nodeFailed(this.engine.current(), event);
          }
          this.answers.notice(event);
        },
        now,
        lazySchema: true,
      });
      this.engine = new ExecutionEngine(this.host(env, storage, config, schedules, plugins, now));
    };
    this.open();
  }

  private host(
    env: Env,
    storage: Storage,
    config: AppConfig,
    schedules: ScheduleService,
    plugins: ReturnType<typeof pluginNodes>,
    now: () => number,
  ): EngineHost {
    const ctx = this.ctx;
    return {
      store: this.store,
      runStep: (request) =>
        runNode(request, {
          fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
          privateNetwork: config.privateNetwork,
          connect: workersConnect,
          email: env.EMAIL,
          postgresProxy: env.POSTGRES_WS_PROXY,
          // Same account, same context where the code allows it: see SandboxPool.
          sandbox: () => getSandbox().then((sandbox) => sandbox.forAccount(request.state.account_id)),
          // A retry reads the vault again: a step that failed with a rotated-away key can recover.
          secrets: this.secrets.resolver(request.state.account_id, { fresh: request.token.attempt > 1 }),
          schedules: (accountId) => schedules.forNode(accountId),
          flows: (accountId) => registryFlows(storage.flows, accountId),
          plugins,
          kv: (accountId) => (this.kv ??= remoteKeyValueStore((namespace) => storeStub(env.STORE, accountId, namespace))),
          vectors: {
            embedded: (accountId, collection) => remoteVectorCollection(collection, () => vectorsStub(env.VECTORS, accountId, collection)),
            ...(env.VECTORIZE ? { vectorize: (accountId, collection) => vectorizeCollection(env.VECTORIZE!, accountId, collection) } : {}),
          },
        }),
      onTransition: (state) => {
        // Tried once, as every audit write is: a failure is logged, and the run goes on.
        const audit = this.pendingAudit ?? undefined;
        this.pendingAudit = null;
        const tokens = this.store.tokens();
        const summary = summaryOf(state, tokens, new Date(now()).toISOString(), tokensOf(this.store.usage()));
        this.transitions.transitioned(state, tokens, summary.tokens);
        const written = storage.executions.upsert(summary, audit);
        this.dispatch.transitioned(state, summary, written);
        return written;
      },
      spawnChild: (state, token, request) => startChild(env, storage, state, token.id, String(token.attempt), request),
      runChild: async (state, token, key, request, signal) => {
        const id = await startChild(env, storage, state, token.id, `step:${key}`, { ...request, wait: false });
        return awaitChild(env, state.account_id, id, signal, (work) => ctx.waitUntil(work));
      },
      broadcast: (type, nodeId, data) =>
        this.sockets.broadcastEphemeral({ type, node_id: nodeId, at: new Date(now()).toISOString(), data }),
      watched: () => this.sockets.watching(),
      notifyParent: (state) => this.notifyParent(state),
      cancelChild: async (id) => {
        const state = this.engine.current();
        if (state) await executionStub(env.EXECUTIONS, id).cancel(state.account_id);
      },
      setAlarm: async (at) => {
        // A finished run has no timers left; its alarm is the retention's.
        const state = this.engine.current();
        if (at === null && state && isFinal(state.status)) await this.retention.finished(state);
        else if (at === null) await ctx.storage.deleteAlarm();
        else await ctx.storage.setAlarm(at);
      },
      now,
      random: () => Math.random(),
    };
  }

  async start(payload: StartPayload): Promise<{ created: boolean; execution: ExecutionView }> {
    const deadline = Date.now() + payload.waitMs;
    const { state, created } = await this.engine.start(payload.request);
    if (created) {
      this.transitions.created();
      this.pendingAudit = payload.audit ?? null;
      await this.driveInBackground();
      // A run that finishes within the grace is indexed once, finished; a longer one is listed as
      // running once the grace is over.
      await this.engine.settled(Math.min(payload.waitMs, START_INDEX_GRACE_MS));
    }
    // The run is in the account's index before the answer leaves: a GET right after it finds the run
    // (a repeat with the same Idempotency-Key may arrive while the first call's grace runs).
    await this.engine.indexStart();
    const settled = payload.waitMs > 0 ? await this.engine.settled(deadline - Date.now()) : this.engine.current();
    return { created, execution: this.view(settled ?? state) };
  }

  async describe(accountId: string): Promise<ExecutionView | null> {
    const state = this.owned(accountId);
    return state ? this.view(state) : null;
  }

  async waitFor(accountId: string, waitMs: number): Promise<ExecutionView | null> {
    if (!this.owned(accountId)) return null;
    const state = await this.engine.settled(waitMs);
    return state ? this.view(state) : null;
  }

  async awaitResponse(accountId: string, waitMs: number, untilAnswer: boolean): Promise<AwaitedRun | null> {
    const state = this.owned(accountId);
    if (!state) return null;
    const respondIds = untilAnswer ? respondNodeIds(state) : [];
    const answer = () => (respondIds.length > 0 ? firstAnswer(this.store, respondIds) : null);
    if (state.status === "running" && answer() === null) await this.answers.next(respondIds, waitMs);
    return { execution: this.view(this.engine.current()!), answer: answer() };
  }

  async steps(accountId: string, options: { after: number; limit: number; node_id?: string; full: boolean }): Promise<StepView[] | null> {
    if (!this.owned(accountId)) return null;
    return this.store.steps(options).map((s) => stepView(s, options.full));
  }

  async logs(accountId: string, options: { after: number; limit: number; node_id?: string; level?: string }): Promise<LogLine[] | null> {
    if (!this.owned(accountId)) return null;
    const lines: LogLine[] = [];
    const filter = {
      after: options.after,
      limit: options.limit,
      types: ["log" as const],
      ...(options.node_id ? { node_id: options.node_id } : {}),
      ...(options.level ? { level: options.level } : {}),
    };
    for (const event of this.store.events(filter)) {
      const data = event.data as { level: string; message: string; data?: JsonValue };
      lines.push({
        seq: event.seq,
        time: event.at,
        level: data.level,
        node_id: event.node_id,
        message: data.message,
        data: data.data ?? null,
      });
    }
    return lines;
  }

  async events(accountId: string, after: number, limit: number): Promise<ExecutionEvent[] | null> {
    if (!this.owned(accountId)) return null;
    return this.store.events({ after, limit });
  }

  async cancel(accountId: string): Promise<ExecutionView | null> {
    if (!this.owned(accountId)) return null;
    const state = await this.engine.cancel();
    return state ? this.view(state) : null;
  }

  async sendEvent(accountId: string, name: string, payload: JsonValue): Promise<{ delivered: number; execution: ExecutionView } | null> {
    const state = this.owned(accountId);
    if (!state) return null;
    await this.armBackstop();
    const delivered = await this.engine.sendEvent(name, payload);
    return { delivered, execution: this.view(this.engine.current()!) };
  }

  async childFinished(tokenId: number, result: ChildResult): Promise<void> {
    if (!this.engine.current()) return;
    await this.armBackstop();
    await this.engine.childFinished(tokenId, result);
  }

  /** What a re-run from `fromNode` needs: outputs recorded before that node first ran, and its input then. */
  async rerunSeed(accountId: string, fromNode: string | null): Promise<RerunSeed | null> {
    const state = this.owned(accountId);
    if (!state) return null;
    const base = { flow_id: state.flow_id, flow_version: state.flow_version, flow: state.flow };
    const results: Record<string, JsonValue> = {};
    if (fromNode !== null) {
      for (const step of this.store.steps({ limit: 100_000 })) {
        if (step.node_id === fromNode) return { ...base, results, input: step.input, found: true };
        if (step.status === "completed") results[step.node_id] = step.output;
      }
    }
    return { ...base, results, input: state.input, found: fromNode === null };
  }

  override async alarm(): Promise<void> {
    const state = this.engine.current();
    if (!state) return;
    if (isFinal(state.status)) {
      await this.retention.onAlarm(state);
      return;
    }
    await this.armBackstop();
    await this.engine.onAlarm();
  }

  override async fetch(request: Request): Promise<Response> {
    const accountId = request.headers.get("X-Account-Id") ?? "";
    const state = this.owned(accountId);
    if (!state || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response(null, { status: 404 });
    const after = Number(new URL(request.url).searchParams.get("after") ?? "0") || 0;
    return this.sockets.accept(this.view(state), this.store.events({ after, limit: 10_000 }), after);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.sockets.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.sockets.onClose(ws, code);
  }

  private owned(accountId: string): ExecutionState | null {
    const state = this.engine.current();
    return state && state.account_id === accountId ? state : null;
  }

  private view(state: ExecutionState): ExecutionView {
    return executionView(state, this.store.tokens(), this.store.usage());
  }

  private async armBackstop(): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    const at = Date.now() + BACKSTOP_MS;
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private async driveInBackground(): Promise<void> {
    await this.armBackstop();
    this.ctx.waitUntil(this.engine.run());
  }

  private async notifyParent(state: ExecutionState): Promise<void> {
    if (!state.parent) return;
    const parent = executionStub(this.env.EXECUTIONS, state.parent.execution_id);
    const result: ChildResult = {
      status: state.status as ChildResult["status"],
      output: state.output,
      error: state.error ? { code: state.error.code, message: state.error.message } : null,
    };
    await parent.childFinished(state.parent.token_id, result);
  }
}
