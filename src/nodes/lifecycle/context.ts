/**
 * The capabilities a node attempt is handed (see NodeContext): built once per attempt from the host's
 * dependencies and the engine's step request, then bound per batch item.
 */
import type { StepRequest } from "../../engine/host";
import { NodeError } from "../../engine/outcome";
import { canRetry } from "../../engine/retry";
import type { SecretResolver } from "../../expressions";
import type { JsonValue } from "../../lib/json";
import type { Sandbox } from "../../sandbox";
import type { EmailBinding } from "../capabilities/email";
import { createEmitter } from "../capabilities/emit";
import { unavailableFlows, type NodeFlows } from "../capabilities/flows";
import { createHttpClient } from "../capabilities/http";
import type { KeyValueStore } from "../capabilities/kv";
import type { PrivateNetworkPolicy } from "../capabilities/network-policy";
import { postgresNetwork } from "../capabilities/postgres";
import type { NodeSchedules } from "../capabilities/schedules";
import { guardedConnect, type Connect } from "../capabilities/socket";
import { vectorStores, type VectorBackends } from "../capabilities/vectors-open";
import type { PluginNodes } from "../plugin/resolve";
import type { NodeContext } from "../types";
import { Pause, waitForEvent } from "./pause";
import type { AttemptSecrets } from "./secrets";

export interface LifecycleDeps {
  /** The runtime's fetch. Nodes never see it: they reach the network through `ctx.http`. */
  fetch: typeof fetch;
  /** Whether nodes may reach loopback and private addresses ("allow" under local development). */
  privateNetwork: PrivateNetworkPolicy;
  sandbox: () => Promise<Sandbox>;
  secrets: SecretResolver;
  /** The account's key-value store; absent where this server has none (`ctx.kv` then fails with `not_available`). */
  kv?: (accountId: string) => KeyValueStore;
  /** The vector stores the host has (embedded, Vectorize); each absent one fails with `not_available`. pgvector needs none. */
  vectors?: VectorBackends;
  /** Raw TCP from the runtime, put behind the address policy here; absent where the runtime has none (`ctx.connect` then fails with `not_available`). */
  connect?: Connect;
  /** The account's schedules; absent where this server has none (`ctx.schedules` then fails with `not_available`). */
  schedules?: (accountId: string) => NodeSchedules;
  /** The account's flows; absent where this server has no registry (`ctx.flows` then fails with `not_available`). */
  flows?: (accountId: string) => NodeFlows;
  /** Cloudflare Email Service's `send_email` binding; absent where the Worker has none (`ctx.email` then fails with `not_available`). */
  email?: EmailBinding | undefined;
  /** Plugin node types (`<plugin>.<node>`); absent where this server runs none (such a node fails with `not_implemented`). */
  plugins?: PluginNodes;
  /** The WebSocket-to-TCP relay the `postgres` node reaches servers other than Neon through (`POSTGRES_WS_PROXY`). */
  postgresProxy?: string | undefined;
}

/** What every item of one attempt shares. */
export interface Attempt {
  request: StepRequest;
  sandbox: Sandbox;
  secrets: AttemptSecrets;
  idempotencyKey: string;
  log: NodeContext["log"];
  http: NodeContext["http"];
  kv: KeyValueStore;
  vectors: NodeContext["vectors"];
  schedules: NodeSchedules;
  flows: NodeFlows;
  connect: Connect;
  email: EmailBinding;
  postgres: NodeContext["postgres"];
  emit: NodeContext["emit"];
  /** Settles when the node pauses for an event (ctx.waitForEvent), which ends the attempt. */
  pause: Pause;
}

export function startAttempt(request: StepRequest, deps: LifecycleDeps, sandbox: Sandbox, secrets: AttemptSecrets): Attempt {
  const { state, token } = request;
  const redact = <T extends JsonValue>(value: T): T => secrets.redactor.value(value) as T;
  const postgres = postgresNetwork({ policy: deps.privateNetwork, proxy: deps.postgresProxy });
  const log: NodeContext["log"] = (level, message, data) =>
    request.log(level, secrets.redactor.string(message), data === undefined ? undefined : redact(data));
  return {
    request,
    sandbox,
    secrets,
    // The visit (token id) and the attempt: a loop's next visit, like a retry, is a new call.
    idempotencyKey: `${state.id}:${token.node_id}:${token.id}:${token.attempt}`,
    log,
    http: createHttpClient({ fetch: deps.fetch, privateNetwork: deps.privateNetwork }),
    kv: deps.kv?.(state.account_id) ?? unavailableKv,
    vectors: vectorStores(state.account_id, deps.vectors ?? {}, postgres, request.signal),
    schedules: deps.schedules?.(state.account_id) ?? unavailableSchedules,
    flows: deps.flows?.(state.account_id) ?? unavailableFlows,
    connect: deps.connect ? guardedConnect(deps.connect, deps.privateNetwork) : unavailableConnect,
    email: deps.email ?? unavailableEmail,
    postgres,
    // Redacted before the rate and size checks, so what is counted is what is sent.
    emit: createEmitter((type, data) => request.emit(type, redact(data)), {
      onDrop: (drop) => log("warn", `A live event was dropped: ${drop.message}`, { type: drop.type, reason: drop.reason }),
    }),
    pause: new Pause(),
  };
}

/**
 * The context of one run of the node's work (the node, or one batch item). The item's index keeps
 * the sub-step keys of parallel batch items apart; `scope` is what scripts see.
 */
export function nodeContext<P>(
  attempt: Attempt,
  input: JsonValue,
  params: P,
  scope: () => Promise<Record<string, JsonValue>>,
  item: number | undefined,
): NodeContext<P> {
  const stepScope = item === undefined ? "" : `item ${item}/`;
  const { request, secrets } = attempt;
  const { state, token } = request;
  const calls = new Map<string, number>();
  /** The n-th sub-step of a name in this run of the node's work is a sub-step of its own. */
  const keyOf = (name: string) => {
    const n = (calls.get(name) ?? 0) + 1;
    calls.set(name, n);
    return `${stepScope}${name}#${n}`;
  };
  const step = async <T extends JsonValue>(name: string, fn: (key: string) => Promise<T>): Promise<T> => {
    const key = keyOf(name);
    const memo = request.memo.get(key);
    if (memo) return memo.value as T;
    // A sub-step is there because it has effects: the run's progress is made durable first.
    await request.beforeEffect();
    const value = await fn(key);
    request.memo.put(key, value);
    return value;
  };
  return {
    executionId: state.id,
    flowId: state.flow_id,
    accountId: state.account_id,
    nodeId: token.node_id,
    attempt: token.attempt,
    idempotencyKey: attempt.idempotencyKey,
    // The branch's token keeps its id across attempts and restarts; a new visit is a new token.
    visitKey: `${state.id}:${token.node_id}:${token.id}`,
    retriesLeft: canRetry(request.node.retry, token.attempt),
    item,
    input,
    params,
    signal: request.signal,
    http: attempt.http,
    secret: (name) => secrets.get(name),
    kv: attempt.kv,
    vectors: attempt.vectors,
    schedules: attempt.schedules,
    flows: attempt.flows,
    emit: attempt.emit,
    watched: () => request.watched(),
    addUsage: (usage) => request.addUsage(usage),
    step: (name, fn) => step(name, () => fn()),
    waitForEvent: async (name, options = {}) => {
      // Items of a batch run side by side within one step: one of them cannot pause the others.
      if (item !== undefined) throw new NodeError("invalid_batch", "A node cannot wait for an event inside a batch", null, false);
      return waitForEvent(request, attempt.pause, keyOf(`event:${name}`), name, options);
    },
    connect: attempt.connect,
    email: attempt.email,
    postgres: attempt.postgres,
    runFlow: (flowId, childInput, options = {}) =>
      step(`flow:${flowId}`, async (key) => {
        // The child's id comes from this key: a crash-restart of the attempt finds the same child, a
        // retry (a new attempt) starts a new one rather than meeting the failed one again.
        const result = await request.runChild(`${key}@${token.attempt}`, { flowId, input: childInput, ...options }, request.signal);
        if (result.status === "completed") return result.output ?? null;
        throw new NodeError("subflow_failed", result.error?.message ?? `The child execution was ${result.status}`, {
          status: result.status,
          error: result.error?.code ?? null,
        });
      }),
    sandbox: attempt.sandbox,
    scope,
    log: attempt.log,
    now: () => request.now(),
  };
}

const notAvailable = (what: string) => new NodeError("not_available", `${what} is not available on this server`, null, false);

const unavailableKv: KeyValueStore = {
  get: () => Promise.reject(notAvailable("The key-value store")),
  getEntry: () => Promise.reject(notAvailable("The key-value store")),
  set: () => Promise.reject(notAvailable("The key-value store")),
  delete: () => Promise.reject(notAvailable("The key-value store")),
  list: () => Promise.reject(notAvailable("The key-value store")),
  query: () => Promise.reject(notAvailable("The key-value store")),
  increment: () => Promise.reject(notAvailable("The key-value store")),
  append: () => Promise.reject(notAvailable("The key-value store")),
  namespace: () => unavailableKv,
};

const unavailableSchedules: NodeSchedules = {
  put: () => Promise.reject(notAvailable("Scheduling")),
  list: () => Promise.reject(notAvailable("Scheduling")),
  get: () => Promise.reject(notAvailable("Scheduling")),
  delete: () => Promise.reject(notAvailable("Scheduling")),
};

const unavailableEmail: EmailBinding = {
  send: () => Promise.reject(notAvailable("Cloudflare Email Service (a send_email binding named EMAIL)")),
};

const unavailableConnect: Connect = () => {
  throw notAvailable("Raw TCP");
};
