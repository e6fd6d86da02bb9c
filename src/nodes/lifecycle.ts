import type { StepRequest } from "../engine/host";
import { isRecord } from "../lib/json";
import { getNodeType, type NodeDefinition } from "../flow";
import {
  evaluateTemplates,
  mergeSecretRefs,
  referencedSecrets,
  resolveSecrets,
  type Redactor,
  type SecretRefs,
  type SecretResolver,
} from "../expressions";
import type { JsonValue } from "../lib/json";
import type { Sandbox } from "../sandbox";
import { getNodeImplementation } from "./registry";
import { actionOf, forwardLogs, runScript } from "./scripts";
import { NodeError, type LogLevel, type NodeOutcome } from "../engine/outcome";
import type { NodeContext, NodeImplementation } from "./types";

export interface LifecycleDeps {
  fetch: typeof fetch;
  sandbox: () => Promise<Sandbox>;
  secrets: SecretResolver;
}

type Params = Record<string, JsonValue>;
type Log = (level: LogLevel, message: string, data?: JsonValue) => void;

/**
 * One attempt of a node: params templated → `prep` hook → the node's work
 * (or the `exec` hook), once or per batch item → `post` hook. Whatever leaves
 * here has secret values redacted.
 *
 * In a batch, params are templated per item, with `input` set to the item;
 * `prep` and `post` run once, before and after all items, and see the params
 * as written.
 */
export async function runNode(request: StepRequest, deps: LifecycleDeps): Promise<NodeOutcome> {
  const { node, token, state } = request;
  const impl = getNodeImplementation(node.type);
  if (!impl && !node.hooks?.exec) {
    throw new NodeError("not_implemented", `Node type '${node.type}' cannot run yet on this server`, null, false);
  }
  // Effects are declared per type until nodes declare them per call: earlier progress is made durable first.
  if (impl?.sideEffects ?? true) await request.beforeEffect();
  const sandbox = await deps.sandbox();
  const { scriptParams, secretRefs, needsResults } = factsOf(node);
  const { secrets, redactor } = await resolveSecrets(secretRefs, deps.secrets);
  const nodeId = token.node_id;
  const idempotencyKey = `${state.id}:${nodeId}:${token.attempt}`;
  // `shared` as this attempt's scripts have left it; undefined until one ran.
  const sharedBefore = state.shared;
  let shared: JsonValue | undefined;
  const scopeOf = (input: JsonValue, params: Params): Params => ({
    input,
    params,
    shared: shared ?? state.shared,
    secrets,
    execution: {
      id: state.id,
      flow_id: state.flow_id,
      account_id: state.account_id,
      started_at: state.created_at,
      attempt: token.attempt,
      node_id: nodeId,
      idempotency_key: idempotencyKey,
    },
    results: needsResults ? request.results : {},
  });
  const log: Log = (level, message, data) =>
    request.log(level, redactor.string(message), data === undefined ? undefined : redactor.value(data));

  try {
    const written = node.params as Params;
    const templated: Params = {};
    const raw: Params = {};
    for (const [key, value] of Object.entries(written)) (scriptParams.has(key) ? raw : templated)[key] = value;
    /** The params for one run of the node's work. Templates see `params` as written: they cannot see their own results. */
    const evaluateParams = async (input: JsonValue, item?: number): Promise<Params> => {
      const evaluated = await evaluateTemplates(templated, scopeOf(input, written), {
        sandbox,
        nodeId,
        pathPrefix: `nodes.${nodeId}.params`,
      });
      forwardLogs(evaluated.logs, log);
      if (!evaluated.ok) {
        const { message, path } = evaluated.error;
        throw new NodeError(
          "template_error",
          item === undefined ? message : `${message} (batch item ${item})`,
          item === undefined ? { path } : { path, item },
          false,
        );
      }
      return { ...(evaluated.value as Params), ...raw };
    };

    let input = token.input;
    let params: Params = node.batch ? { ...written } : await evaluateParams(input);
    // Params returned by `prep`: in a batch they replace the evaluated param for every item.
    let prepared: Params = {};

    /** `exclusive`, when given, is awaited before the scope is read (see runBatch). */
    const ctxFor = (itemInput: JsonValue, itemParams: Params, exclusive?: () => Promise<void>): NodeContext => ({
      executionId: state.id,
      flowId: state.flow_id,
      accountId: state.account_id,
      nodeId,
      attempt: token.attempt,
      idempotencyKey,
      input: itemInput,
      params: itemParams,
      signal: request.signal,
      fetch: deps.fetch,
      sandbox,
      scope: async () => {
        await exclusive?.();
        return scopeOf(itemInput, itemParams);
      },
      log,
      now: () => Date.now(),
    });

    if (node.hooks?.prep) {
      const prep = await runScript(ctxFor(input, params), node.hooks.prep, "hooks.prep");
      shared = prep.shared ?? shared;
      if (isRecord(prep.value)) {
        if ("input" in prep.value) input = prep.value.input as JsonValue;
        if (isRecord(prep.value.params)) {
          prepared = prep.value.params;
          params = { ...params, ...prepared };
        }
      }
    }

    let outcome: NodeOutcome;
    if (node.batch) {
      const items = await batchItems(node, nodeId, scopeOf(input, params), sandbox, log);
      const width = node.batch.strategy === "parallel" ? Math.max(1, node.batch.max_parallel ?? 10) : 1;
      const output = await runBatch(items, width, async (item, index, exclusive) => {
        const itemParams = { ...(await evaluateParams(item, index)), ...prepared };
        const result = await execOnce(node, impl, ctxFor(item, itemParams, exclusive));
        if (result.kind !== "done") throw new NodeError("invalid_batch", `A ${node.type} node cannot wait inside a batch`, null, false);
        if (result.shared !== undefined) shared = result.shared;
        return result.output;
      });
      outcome = { kind: "done", action: "default", output };
    } else {
      outcome = await execOnce(node, impl, ctxFor(input, params));
      if (outcome.kind === "done" && outcome.shared !== undefined) shared = outcome.shared;
    }

    if (node.hooks?.post && outcome.kind === "done") {
      const post = await runScript(ctxFor(input, params), node.hooks.post, "hooks.post", {
        output: outcome.output,
        action: outcome.action,
      });
      shared = post.shared ?? shared;
      const value = post.value;
      if (typeof value === "string") outcome = { ...outcome, action: value };
      else if (isRecord(value) && ("output" in value || "action" in value)) {
        outcome = {
          ...outcome,
          ...("output" in value ? { output: value.output as JsonValue } : {}),
          ...("action" in value ? { action: actionOf(value.action as JsonValue) } : {}),
        };
      }
    }
    // The node's own `shared` was taken into account above; what leaves is the change, if any
    // (a `prep` hook's too when the node then waits).
    const { shared: _own, ...finished } = outcome;
    const changed = shared === undefined ? undefined : sharedChanges(sharedBefore, shared, state.shared);
    outcome = changed === undefined ? finished : { ...finished, shared: changed };
    return redactOutcome(outcome, redactor);
  } catch (error) {
    throw redactError(error, redactor);
  }
}

async function execOnce(node: NodeDefinition, impl: NodeImplementation | undefined, ctx: NodeContext): Promise<NodeOutcome> {
  if (node.hooks?.exec) {
    const result = await runScript(ctx, node.hooks.exec, "hooks.exec");
    return { kind: "done", action: "default", output: result.value, ...(result.shared === undefined ? {} : { shared: result.shared }) };
  }
  return impl!.run(ctx);
}

/** `batch.items` evaluated against the node's input (the input itself when absent); must be a list. */
async function batchItems(node: NodeDefinition, nodeId: string, scope: Params, sandbox: Sandbox, log: Log): Promise<JsonValue[]> {
  let items = scope.input;
  if (node.batch?.items !== undefined) {
    const evaluated = await evaluateTemplates(node.batch.items as JsonValue, scope, {
      sandbox,
      nodeId,
      pathPrefix: `nodes.${nodeId}.batch.items`,
    });
    forwardLogs(evaluated.logs, log);
    if (!evaluated.ok) throw new NodeError("template_error", evaluated.error.message, { path: evaluated.error.path }, false);
    items = evaluated.value;
  }
  if (!Array.isArray(items))
    throw new NodeError("invalid_batch", `batch.items must be a list, got ${items === null ? "null" : typeof items}`, null, false);
  return items;
}

/**
 * Runs `run` once per item, at most `width` at a time; outputs come back in item order whatever
 * the order of completion. After a failure no further item starts, and the first error is thrown
 * only once the items already running have finished, so no work of this attempt outlives it.
 *
 * An item that reads the scope (a script: it may write `shared`) holds a turn from that read until
 * it finishes, so each sees the `shared` the previous one left and no write is lost. The sandbox runs
 * synchronously anyway; items that never read the scope (an HTTP request) overlap freely.
 */
async function runBatch(
  items: JsonValue[],
  width: number,
  run: (item: JsonValue, index: number, exclusive: () => Promise<void>) => Promise<JsonValue>,
): Promise<JsonValue[]> {
  const outputs = new Array<JsonValue>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  let turn: Promise<void> = Promise.resolve();
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      const held: { release?: () => void } = {};
      const exclusive = async () => {
        if (held.release) return;
        const previous = turn;
        turn = new Promise<void>((resolve) => (held.release = resolve));
        await previous;
      };
      try {
        outputs[index] = await run(items[index]!, index, exclusive);
      } catch (error) {
        failure ??= { error };
      } finally {
        held.release?.();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure) throw failure.error;
  return outputs;
}

/** Only the secrets a node's templates and scripts name are decrypted. */
function secretsReferenced(node: NodeDefinition, scriptParams: Set<string>): SecretRefs {
  const refs: SecretRefs[] = [];
  for (const [key, value] of Object.entries(node.params))
    refs.push(scriptParams.has(key) ? scriptRefs(value as JsonValue) : referencedSecrets(value as JsonValue, "template"));
  for (const hook of Object.values(node.hooks ?? {})) if (typeof hook === "string") refs.push(referencedSecrets(hook, "script"));
  if (node.batch?.items !== undefined) refs.push(referencedSecrets(node.batch.items as JsonValue));
  return mergeSecretRefs(...refs);
}

/** A script param is JavaScript in every string it holds: a script, or each `condition` of a `conditions` list. */
function scriptRefs(value: JsonValue): SecretRefs {
  if (typeof value === "string") return referencedSecrets(value, "script");
  if (Array.isArray(value)) return mergeSecretRefs(...value.map(scriptRefs));
  if (isRecord(value)) return mergeSecretRefs(...Object.values(value).map(scriptRefs));
  return new Set();
}

/**
 * The run's `shared` with this attempt's changes applied, or undefined when it changed nothing. The
 * changes (keys set or removed) go over the run's current value rather than over the copy the scripts
 * saw, so writes that parallel branches made meanwhile to other keys are kept.
 */
function sharedChanges(before: Params, after: JsonValue, current: Params): JsonValue | undefined {
  if (after === before) return undefined;
  if (!isRecord(after)) return after;
  const merged: Params = { ...current };
  let changed = false;
  for (const [key, value] of Object.entries(after)) {
    if (Object.hasOwn(before, key) && JSON.stringify(before[key]) === JSON.stringify(value)) continue;
    merged[key] = value;
    changed = true;
  }
  for (const key of Object.keys(before)) {
    if (Object.hasOwn(after, key)) continue;
    delete merged[key];
    changed = true;
  }
  return changed ? merged : undefined;
}

interface NodeFacts {
  scriptParams: Set<string>;
  secretRefs: SecretRefs;
  /** Whether anything in the node names `results` (the scope then carries every result). */
  needsResults: boolean;
}

// A run's flow does not change while it runs: what its text says is worked out once per node.
const nodeFacts = new WeakMap<NodeDefinition, NodeFacts>();

function factsOf(node: NodeDefinition): NodeFacts {
  let facts = nodeFacts.get(node);
  if (!facts) {
    const scriptParams = new Set(getNodeType(node.type)?.scriptParams ?? []);
    facts = {
      scriptParams,
      secretRefs: secretsReferenced(node, scriptParams),
      needsResults: JSON.stringify([node.params, node.hooks ?? null, node.batch ?? null]).includes("results"),
    };
    nodeFacts.set(node, facts);
  }
  return facts;
}

function redactOutcome(outcome: NodeOutcome, redactor: Redactor): NodeOutcome {
  const shared = outcome.shared === undefined ? {} : { shared: redactor.value(outcome.shared) };
  switch (outcome.kind) {
    case "done":
      // Scripts choose actions, and actions are stored with the step.
      return { ...outcome, action: redactor.string(outcome.action), output: redactor.value(outcome.output), ...shared };
    case "sleep":
      return { ...outcome, output: redactor.value(outcome.output), ...shared };
    case "subflow":
      return { ...outcome, input: redactor.value(outcome.input), ...shared };
    default:
      return { ...outcome, ...shared };
  }
}

function redactError(error: unknown, redactor: Redactor): NodeError {
  if (error instanceof NodeError) {
    return new NodeError(
      error.code,
      redactor.string(error.message),
      error.details === undefined ? undefined : redactor.value(error.details),
      error.retryable,
    );
  }
  return new NodeError("node_error", redactor.string(error instanceof Error ? error.message : String(error)));
}
