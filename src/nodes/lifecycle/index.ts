/**
 * One attempt of a node: params templated → `prep` hook → the node's work (or the `exec` hook), once
 * or per batch item → `post` hook. Whatever leaves here has secret values redacted.
 *
 * In a batch, params are templated per item, with `input` set to the item; `prep` and `post` run
 * once, before and after all items, and see the params as written.
 */
import type { StepRequest } from "../../engine/host";
import { NodeError, type NodeOutcome } from "../../engine/outcome";
import { evaluateTemplates } from "../../expressions";
import { getNodeType, parseResolvedParams, type NodeDefinition } from "../../flow";
import { isRecord, type JsonValue } from "../../lib/json";
import { getNodeImplementation } from "../registry";
import { actionOf, forwardLogs, runScript, type ScriptContext } from "../scripting";
import type { NodeType } from "../types";
import { batchItems, runBatch } from "./batch";
import { nodeContext, startAttempt, type Attempt, type LifecycleDeps } from "./context";
import { factsOf } from "./facts";
import { untilPaused } from "./pause";
import { redactError, redactOutcome } from "./redact";
import { AttemptSecrets } from "./secrets";
import { sharedChanges } from "./shared";

export type { LifecycleDeps } from "./context";

type Params = Record<string, JsonValue>;

export async function runNode(request: StepRequest, deps: LifecycleDeps): Promise<NodeOutcome> {
  const { node, token, state } = request;
  const impl = getNodeImplementation(node.type) ?? (await deps.plugins?.node(state.account_id, node.type, state.flow.plugins));
  if (!impl && !node.hooks?.exec) {
    const reason = getNodeType(node.type)?.notRunnable;
    throw new NodeError("not_implemented", `Node type '${node.type}' cannot run on this server${reason ? `: ${reason}` : ""}`, null, false);
  }
  const { scriptParams, secretRefs, needsResults } = factsOf(node);
  const [sandbox, secrets] = await Promise.all([deps.sandbox(), AttemptSecrets.resolve(secretRefs, deps.secrets)]);
  const attempt = startAttempt(request, deps, sandbox, secrets);
  const nodeId = token.node_id;
  // `shared` as this attempt's scripts have left it; undefined until one ran.
  const sharedBefore = state.shared;
  let shared: JsonValue | undefined;
  const scopeOf = (input: JsonValue, params: Params): Params => ({
    input,
    params,
    shared: shared ?? state.shared,
    secrets: secrets.scope,
    execution: {
      id: state.id,
      flow_id: state.flow_id,
      account_id: state.account_id,
      started_at: state.created_at,
      attempt: token.attempt,
      node_id: nodeId,
      idempotency_key: attempt.idempotencyKey,
    },
    results: needsResults ? request.results : {},
  });
  const { log } = attempt;
  const scripts = (input: JsonValue, params: Params): ScriptContext => ({
    sandbox,
    nodeId,
    log,
    scope: async () => scopeOf(input, params),
  });

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
        const where: JsonValue = item === undefined ? { path } : { path, item };
        throw new NodeError("template_error", item === undefined ? message : `${message} (batch item ${item})`, where, false);
      }
      return { ...(evaluated.value as Params), ...raw };
    };

    let input = token.input;
    let params: Params = node.batch ? { ...written } : await evaluateParams(input);
    // Params returned by `prep`: in a batch they replace the evaluated param for every item.
    let prepared: Params = {};

    if (node.hooks?.prep) {
      const prep = await runScript(scripts(input, params), node.hooks.prep, "hooks.prep");
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
        const scope = async () => {
          await exclusive();
          return scopeOf(item, itemParams);
        };
        const result = await execOnce(node, impl, attempt, item, itemParams, scope, index);
        if (result.kind !== "done") throw new NodeError("invalid_batch", `A ${node.type} node cannot wait inside a batch`, null, false);
        if (result.shared !== undefined) shared = result.shared;
        return result.output;
      });
      outcome = { kind: "done", action: "default", output };
    } else {
      outcome = await execOnce(node, impl, attempt, input, params, scripts(input, params).scope, undefined);
      if (outcome.kind === "done" && outcome.shared !== undefined) shared = outcome.shared;
    }

    if (node.hooks?.post && outcome.kind === "done") {
      const post = await runScript(scripts(input, params), node.hooks.post, "hooks.post", {
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
    // (a `prep` hook's too when the node then waits). A node that paused inside its work runs again,
    // `prep` included: its change is the one of the run that finishes, or it would count twice.
    const { shared: _own, ...finished } = outcome;
    const paused = outcome.kind === "wait_event" && outcome.resume !== undefined;
    const changed = shared === undefined || paused ? undefined : sharedChanges(sharedBefore, shared, state.shared);
    outcome = changed === undefined ? finished : { ...finished, shared: changed };
    return redactOutcome(outcome, secrets.redactor);
  } catch (error) {
    throw redactError(error, secrets.redactor);
  }
}

/** The node's work for one input: the `exec` hook when there is one, else the node type's own, with its params checked. */
async function execOnce(
  node: NodeDefinition,
  impl: NodeType | undefined,
  attempt: Attempt,
  input: JsonValue,
  params: Params,
  scope: () => Promise<Params>,
  item: number | undefined,
): Promise<NodeOutcome> {
  if (node.hooks?.exec || !impl) {
    const ctx: ScriptContext = { sandbox: attempt.sandbox, nodeId: attempt.request.token.node_id, log: attempt.log, scope };
    const result = await runScript(ctx, node.hooks!.exec!, "hooks.exec");
    return { kind: "done", action: "default", output: result.value, ...(result.shared === undefined ? {} : { shared: result.shared }) };
  }
  const nodeId = attempt.request.token.node_id;
  const resolved = parseResolvedParams(impl.spec, nodeId, params);
  if (!resolved.ok) {
    const [first] = resolved.problems;
    const message = resolved.problems.map((p) => p.message).join("; ");
    throw new NodeError("invalid_params", message, { param: first?.param ?? "", problems: resolved.problems }, false);
  }
  if (impl.sideEffects(resolved.params)) await attempt.request.beforeEffect();
  return untilPaused(impl.run(nodeContext(attempt, input, resolved.params, scope, item)), attempt.pause);
}
