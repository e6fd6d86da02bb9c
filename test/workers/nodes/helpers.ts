import { runNode, type LifecycleDeps } from "../../../src/nodes/lifecycle";
import { NodeError, type NodeOutcome } from "../../../src/engine/outcome";
import type { JsonValue } from "../../../src/lib/json";
import { getSandbox } from "../../../src/sandbox";
import { secretVault, stepRequest, type StepOptions, type NodeSpec, type LoggedLine } from "../../helpers/step-request";

export * from "../../helpers/step-request";

/** A fetch that must never be called. */
export const noFetch: typeof fetch = () => Promise.reject(new Error("network access in a test that must not use the network"));

export function deps(overrides: Partial<LifecycleDeps> = {}): LifecycleDeps {
  return { fetch: noFetch, privateNetwork: "allow", sandbox: getSandbox, secrets: secretVault({}), ...overrides };
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
