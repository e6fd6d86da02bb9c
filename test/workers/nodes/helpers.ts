import type { SecretResolver } from "../../../src/expressions";
import type { StepRequest } from "../../../src/engine/host";
import type { ExecutionState, Token } from "../../../src/engine/types";
import type { BatchSpec, NodeDefinition, NodeHooks } from "../../../src/flow";
import { runNode, type LifecycleDeps } from "../../../src/nodes/lifecycle";
import { NodeError, type LogLevel, type NodeOutcome } from "../../../src/engine/outcome";
import type { JsonValue } from "../../../src/lib/json";
import { getSandbox } from "../../../src/sandbox";

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
}

export interface StepOptions {
  nodeId?: string;
  input?: JsonValue;
  results?: Record<string, JsonValue>;
  shared?: Record<string, JsonValue>;
  attempt?: number;
}

export const EXECUTION = {
  id: "ex_test_1",
  flow_id: "flow_test",
  account_id: "acct_test",
  created_at: "2026-01-02T03:04:05.000Z",
} as const;

/** A StepRequest for one node of a one-node flow, plus the log lines it receives. */
export function stepRequest(spec: NodeSpec, options: StepOptions = {}): { request: StepRequest; logs: LoggedLine[] } {
  const nodeId = options.nodeId ?? "step";
  const node: NodeDefinition = {
    type: spec.type,
    params: spec.params ?? {},
    next: {},
    ...(spec.hooks ? { hooks: spec.hooks } : {}),
    ...(spec.batch ? { batch: spec.batch } : {}),
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
  const request: StepRequest = {
    state,
    token,
    node,
    results: options.results ?? {},
    signal: new AbortController().signal,
    log: (level, message, data) => logs.push(data === undefined ? { level, message } : { level, message, data }),
    now: () => Date.now(),
    beforeEffect: () => Promise.resolve(),
    memo: { get: () => undefined, put: () => {} },
    emit: () => {},
    runChild: () => Promise.reject(new NodeError("not_implemented", "No child runs in node tests", null, false)),
  };
  return { request, logs };
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

/** A fetch that must never be called. */
export const noFetch: typeof fetch = () => Promise.reject(new Error("network access in a test that must not use the network"));

export function deps(overrides: Partial<LifecycleDeps> = {}): LifecycleDeps {
  return { fetch: noFetch, sandbox: getSandbox, secrets: secretVault({}), ...overrides };
}

/** Runs the node and returns its outcome and the lines it logged. */
export async function run(
  spec: NodeSpec,
  options: StepOptions = {},
  overrides: Partial<LifecycleDeps> = {},
): Promise<{ outcome: NodeOutcome; logs: LoggedLine[] }> {
  const { request, logs } = stepRequest(spec, options);
  const outcome = await runNode(request, deps(overrides));
  return { outcome, logs };
}

/** Runs the node, expects it to fail, and returns the NodeError and the lines logged before. */
export async function fail(
  spec: NodeSpec,
  options: StepOptions = {},
  overrides: Partial<LifecycleDeps> = {},
): Promise<{ error: NodeError; logs: LoggedLine[] }> {
  const { request, logs } = stepRequest(spec, options);
  let outcome: NodeOutcome;
  try {
    outcome = await runNode(request, deps(overrides));
  } catch (error) {
    if (!(error instanceof NodeError)) throw new Error(`expected a NodeError, got ${String(error)}`);
    return { error, logs };
  }
  throw new Error(`expected the node to fail, got ${JSON.stringify(outcome)}`);
}

/** A fetch double answering JSON, optionally after a delay; records requests and concurrency. */
export function fakeFetch(
  answer: (url: URL, init: RequestInit | undefined) => { status?: number; body?: JsonValue; delayMs?: number; fail?: string },
) {
  const calls: { url: string; method: string; headers: Record<string, string>; body: string | null }[] = [];
  let inflight = 0;
  let maxInflight = 0;
  let finished = 0;
  const impl: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
    calls.push({ url: url.toString(), method: init?.method ?? "GET", headers, body: typeof init?.body === "string" ? init.body : null });
    inflight++;
    maxInflight = Math.max(maxInflight, inflight);
    try {
      const reply = answer(url, init);
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (reply.fail !== undefined) throw new Error(reply.fail);
      return new Response(JSON.stringify(reply.body ?? null), {
        status: reply.status ?? 200,
        headers: { "Content-Type": "application/json" },
      });
    } finally {
      inflight--;
      finished++;
    }
  };
  return {
    fetch: impl,
    calls,
    get maxInflight() {
      return maxInflight;
    },
    get finished() {
      return finished;
    },
  };
}

/** The outcome of a node that finished, narrowed. */
export function done(outcome: NodeOutcome): Extract<NodeOutcome, { kind: "done" }> {
  if (outcome.kind !== "done") throw new Error(`expected a done outcome, got ${outcome.kind}`);
  return outcome;
}
