import { mergeSecretRefs, referencedSecrets, type SecretRefs } from "../../expressions";
import { getNodeType, type NodeDefinition } from "../../flow";
import { isRecord, type JsonValue } from "../../lib/json";

export interface NodeFacts {
  scriptParams: Set<string>;
  secretRefs: SecretRefs;
  /** Whether anything in the node names `results` (the scope then carries every result). */
  needsResults: boolean;
}

// A run's flow does not change while it runs: what its text says is worked out once per node.
const nodeFacts = new WeakMap<NodeDefinition, NodeFacts>();

export function factsOf(node: NodeDefinition): NodeFacts {
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
