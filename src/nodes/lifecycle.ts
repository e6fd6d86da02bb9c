import type { StepRequest } from "../engine/host";
import { getNodeType, type NodeDefinition } from "../flow";
import { evaluateTemplates, mergeSecretRefs, referencedSecrets, resolveSecrets, type Redactor, type SecretRefs, type SecretResolver } from "../expressions";
import type { JsonValue, Sandbox } from "../sandbox";
import { getNodeImplementation } from "./registry";
import { actionOf, runScript } from "./scripts";
import { NodeError, type NodeContext, type NodeImplementation, type NodeOutcome } from "./types";

export interface LifecycleDeps {
  fetch: typeof fetch;
  sandbox: () => Promise<Sandbox>;
  secrets: SecretResolver;
}

/**
 * One attempt of a node: params templated → `prep` hook → the node's work
 * (or the `exec` hook), once or per batch item → `post` hook. Whatever leaves
 * here has secret values redacted.
 */
export async function runNode(request: StepRequest, deps: LifecycleDeps): Promise<NodeOutcome> {
  const { node, token, state } = request;
  const impl = getNodeImplementation(node.type);
  if (!impl && !node.hooks?.exec) {
    throw new NodeError("not_implemented", `Node type '${node.type}' cannot run yet on this server`, null, false);
  }
  const sandbox = await deps.sandbox();
  const scriptParams = new Set(getNodeType(node.type)?.scriptParams ?? []);
  const { secrets, redactor } = await resolveSecrets(secretsReferenced(node, scriptParams), deps.secrets);
  const needsResults = mentions(node, "results");
  const scopeOf = (input: JsonValue, params: Record<string, JsonValue>): Record<string, JsonValue> => ({
    input,
    params,
    shared: state.shared,
    secrets,
    execution: { id: state.id, flow_id: state.flow_id, account_id: state.account_id, started_at: state.created_at, attempt: token.attempt },
    results: needsResults ? request.results : {},
  });

  try {
    const templated: Record<string, JsonValue> = {};
    const raw: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(node.params)) (scriptParams.has(key) ? raw : templated)[key] = value as JsonValue;
    const evaluated = await evaluateTemplates(templated, scopeOf(token.input, {}), { sandbox, nodeId: token.node_id, pathPrefix: `nodes.${token.node_id}.params` });
    if (!evaluated.ok) throw new NodeError("template_error", evaluated.error.message, { path: evaluated.error.path }, false);
    let params: Record<string, JsonValue> = { ...(evaluated.value as Record<string, JsonValue>), ...raw };
    let input = token.input;
    let shared: JsonValue | undefined;

    const ctxFor = (itemInput: JsonValue): NodeContext => ({
      executionId: state.id,
      flowId: state.flow_id,
      accountId: state.account_id,
      nodeId: token.node_id,
      attempt: token.attempt,
      idempotencyKey: `${state.id}:${token.node_id}:${token.attempt}`,
      input: itemInput,
      params,
      signal: request.signal,
      fetch: deps.fetch,
      sandbox,
      scope: async () => ({ ...scopeOf(itemInput, params), ...(shared === undefined ? {} : { shared }) }),
      log: (level, message, data) => request.log(level, redactor.string(message), data === undefined ? undefined : redactor.value(data)),
      now: () => Date.now(),
    });

    if (node.hooks?.prep) {
      const prep = await runScript(ctxFor(input), node.hooks.prep, "hooks.prep");
      shared = prep.shared ?? shared;
      if (isRecord(prep.value)) {
        if ("input" in prep.value) input = prep.value.input as JsonValue;
        if (isRecord(prep.value.params)) params = { ...params, ...prep.value.params };
      }
    }

    let outcome: NodeOutcome;
    if (node.batch) outcome = await runBatch(node, impl, ctxFor, input, scopeOf(input, params), sandbox);
    else outcome = await execOnce(node, impl, ctxFor(input));
    if (outcome.kind === "done" && outcome.shared !== undefined) shared = outcome.shared;

    if (node.hooks?.post && outcome.kind === "done") {
      const post = await runScript(ctxFor(input), node.hooks.post, "hooks.post", { output: outcome.output, action: outcome.action });
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
    return redactOutcome(shared === undefined || outcome.kind !== "done" ? outcome : { ...outcome, shared }, redactor);
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

/** Runs the node once per item; outputs come back in item order whatever the strategy. */
async function runBatch(
  node: NodeDefinition,
  impl: NodeImplementation | undefined,
  ctxFor: (input: JsonValue) => NodeContext,
  input: JsonValue,
  scope: Record<string, JsonValue>,
  sandbox: Sandbox,
): Promise<NodeOutcome> {
  const spec = node.batch!;
  let items: JsonValue = input;
  if (spec.items !== undefined) {
    const evaluated = await evaluateTemplates(spec.items as JsonValue, scope, { sandbox, pathPrefix: "batch.items" });
    if (!evaluated.ok) throw new NodeError("template_error", evaluated.error.message, null, false);
    items = evaluated.value;
  }
  if (!Array.isArray(items)) throw new NodeError("invalid_batch", `batch.items must be a list, got ${items === null ? "null" : typeof items}`, null, false);
  const outputs: JsonValue[] = new Array<JsonValue>(items.length);
  const width = spec.strategy === "parallel" ? Math.max(1, spec.max_parallel ?? 10) : 1;
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const outcome = await execOnce(node, impl, ctxFor(items[index]!));
      if (outcome.kind !== "done") throw new NodeError("invalid_batch", `A ${node.type} node cannot wait inside a batch`, null, false);
      outputs[index] = outcome.output;
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return { kind: "done", action: "default", output: outputs };
}

/** Only the secrets a node's templates and scripts name are decrypted. */
function secretsReferenced(node: NodeDefinition, scriptParams: Set<string>): SecretRefs {
  const refs: SecretRefs[] = [];
  for (const [key, value] of Object.entries(node.params)) refs.push(referencedSecrets(value as JsonValue, scriptParams.has(key) ? "script" : "template"));
  for (const hook of Object.values(node.hooks ?? {})) if (typeof hook === "string") refs.push(referencedSecrets(hook, "script"));
  if (node.batch?.items !== undefined) refs.push(referencedSecrets(node.batch.items as JsonValue));
  return mergeSecretRefs(...refs);
}

function mentions(node: NodeDefinition, name: string): boolean {
  return JSON.stringify([node.params, node.hooks ?? null, node.batch ?? null]).includes(name);
}

function redactOutcome(outcome: NodeOutcome, redactor: Redactor): NodeOutcome {
  switch (outcome.kind) {
    case "done":
      return { ...outcome, output: redactor.value(outcome.output), ...(outcome.shared === undefined ? {} : { shared: redactor.value(outcome.shared) }) };
    case "sleep":
      return { ...outcome, output: redactor.value(outcome.output) };
    case "subflow":
      return { ...outcome, input: redactor.value(outcome.input) };
    default:
      return outcome;
  }
}

function redactError(error: unknown, redactor: Redactor): NodeError {
  if (error instanceof NodeError) {
    return new NodeError(error.code, redactor.string(error.message), error.details === undefined ? undefined : redactor.value(error.details), error.retryable);
  }
  return new NodeError("node_error", redactor.string(error instanceof Error ? error.message : String(error)));
}

const isRecord = (v: JsonValue | undefined): v is Record<string, JsonValue> => typeof v === "object" && v !== null && !Array.isArray(v);
