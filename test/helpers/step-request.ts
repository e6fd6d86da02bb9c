/** A StepRequest for one node, with an engine side that records what the attempt did. Pure: runs on Node and workerd. */
import type { StepRequest } from "../../src/engine/host";
import type { LogLevel } from "../../src/engine/outcome";
import type { ExecutionState, Token } from "../../src/engine/types";
import type { Usage } from "../../src/engine/usage";
import type { SecretResolver } from "../../src/expressions";
import type { BatchSpec, NodeDefinition, NodeHooks, RetryPolicy } from "../../src/flow";
import type { JsonValue } from "../../src/lib/json";

export interface LoggedLine {
  level: LogLevel;
  message: string;
  data?: JsonValue;
}

export interface NodeSpec {
  type: string;
  params?: Record<string, unknown>;
  hooks?: NodeHooks;
  batch?: BatchSpec;
  retry?: RetryPolicy;
}

export interface StepOptions {
  nodeId?: string;
  input?: JsonValue;
  results?: Record<string, JsonValue>;
  shared?: Record<string, JsonValue>;
  attempt?: number;
  /** How the engine answers `runChild`; by default it refuses. */
  runChild?: StepRequest["runChild"];
  /** Memoized sub-steps already recorded (a restarted or retried attempt). */
  memo?: Map<string, { value: JsonValue }>;
  /** Whether a live watcher is connected (StepRequest.watched); false by default. */
  watched?: boolean;
}

export const EXECUTION = {
  id: "ex_test_1",
  flow_id: "flow_test",
  account_id: "acct_test",
  created_at: "2026-01-02T03:04:05.000Z",
} as const;

/** A StepRequest for one node of a one-node flow, plus the log lines it receives. */
export function stepRequest(
  spec: NodeSpec,
  options: StepOptions = {},
): { request: StepRequest; logs: LoggedLine[]; host: ReturnType<typeof stepHost> } {
  const nodeId = options.nodeId ?? "step";
  const node: NodeDefinition = {
    type: spec.type,
    params: spec.params ?? {},
    next: {},
    ...(spec.hooks ? { hooks: spec.hooks } : {}),
    ...(spec.batch ? { batch: spec.batch } : {}),
    ...(spec.retry ? { retry: spec.retry } : {}),
  };
  const state: ExecutionState = {
    ...EXECUTION,
    flow_version: 1,
    flow: { metadata: { name: "test" }, start: nodeId, nodes: { [nodeId]: node } },
    input: options.input ?? null,
    status: "running",
    finished_at: null,
    output: null,
    error: null,
    shared: options.shared ?? {},
    step_count: 0,
    step_limit: 1000,
    parent: null,
    ends: {},
    start_node: nodeId,
    trigger: "test",
  };
  const token: Token = {
    id: 1,
    node_id: nodeId,
    state: "running",
    input: options.input ?? null,
    attempt: options.attempt ?? 1,
    from_node: null,
    pending: null,
    step_seq: 1,
  };
  const logs: LoggedLine[] = [];
  const host = stepHost(options.memo);
  const request: StepRequest = {
    state,
    token,
    node,
    results: options.results ?? {},
    signal: new AbortController().signal,
    log: (level, message, data) => logs.push(data === undefined ? { level, message } : { level, message, data }),
    now: () => Date.now(),
    beforeEffect: async () => {
      host.effects++;
    },
    takeEvent: (name) => {
      const waiting = host.inbox.get(name);
      const payload = waiting?.shift();
      if (waiting?.length === 0) host.inbox.delete(name);
      return payload;
    },
    memo: { get: (key) => host.memo.get(key), put: (key, value) => void host.memo.set(key, { value }) },
    emit: (type, data) => void host.emitted.push({ type, data }),
    watched: () => options.watched === true,
    addUsage: (usage) => void host.usage.push(usage),
    runChild: (key, child, signal) => {
      host.children.push({ key, flowId: child.flowId, input: child.input });
      return options.runChild ? options.runChild(key, child, signal) : Promise.reject(new Error("no child runs in this test"));
    },
  };
  return { request, logs, host };
}

/** What a node attempt did to the engine's side: effects announced, sub-steps kept, live events sent. */
export function stepHost(memo = new Map<string, { value: JsonValue }>()) {
  return {
    effects: 0,
    memo,
    emitted: [] as { type: string; data: JsonValue }[],
    usage: [] as Usage[],
    children: [] as { key: string; flowId: string; input: JsonValue }[],
    /** Events sent before anything waited for them, oldest first per name. */
    inbox: new Map<string, JsonValue[]>(),
  };
}

/** An in-memory vault that records every question it is asked. */
export function secretVault(values: Record<string, JsonValue>): SecretResolver & { asked: (readonly string[] | "all")[] } {
  const asked: (readonly string[] | "all")[] = [];
  return {
    asked,
    async resolve(names) {
      asked.push(names === "all" ? "all" : [...names]);
      const keys = names === "all" ? Object.keys(values) : names.filter((name) => Object.hasOwn(values, name));
      return Object.fromEntries(keys.map((key) => [key, values[key]!]));
    },
  };
}
