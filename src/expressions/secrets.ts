import type { JsonValue } from "../lib/json";
import { compileTemplate } from "./compile";
import { lex, type Token } from "./lexer";
import { Redactor } from "./redact";

/** Which secrets some code can reach: named ones, or "all" when it can reach them dynamically. */
export type SecretRefs = Set<string> | "all";

/** Where secret values come from (the account vault; a map in tests). Unknown names are left out. */
export interface SecretResolver {
  resolve(names: readonly string[] | "all"): Promise<Record<string, JsonValue>>;
}

const GLOBAL_OBJECTS = new Set(["globalThis", "this", "self"]);

/** Index just past a reference to the `secrets` object starting at `i`, or -1 when there is none. */
function referenceEnd(tokens: Token[], i: number): number {
  const t = tokens[i]!;
  const before = tokens[i - 1];
  if (t.type === "ident" && t.value === "secrets") {
    const member = before?.type === "punct" && (before.value === "." || before.value === "?.");
    // `x.secrets` is some other object's property, unless x is the global object.
    if (member && !GLOBAL_OBJECTS.has(tokens[i - 2]?.value ?? "")) return -1;
    // `{ secrets: ... }` is an object-literal key, not a read.
    const after = tokens[i + 1];
    if (before?.type === "punct" && (before.value === "{" || before.value === ",") && after?.value === ":") return -1;
    return i + 1;
  }
  // globalThis["secrets"]
  if (
    (t.type === "string" || t.type === "template") &&
    t.cooked === "secrets" &&
    before?.value === "[" &&
    GLOBAL_OBJECTS.has(tokens[i - 2]?.value ?? "")
  ) {
    return tokens[i + 1]?.value === "]" ? i + 2 : -1;
  }
  return -1;
}

/** The secret name read right after a reference (`.X`, `?.X`, `["X"]`), or undefined for anything else. */
function staticName(tokens: Token[], i: number): string | undefined {
  const access = tokens[i]?.value;
  if ((access === "." || access === "?.") && tokens[i + 1]?.type === "ident") {
    return tokens[i + 1]!.value;
  }
  const bracket = access === "?." ? i + 1 : i;
  if (tokens[bracket]?.value === "[" && tokens[bracket + 2]?.value === "]") {
    const key = tokens[bracket + 1];
    if (key?.type === "string" || (key?.type === "template" && key.cooked !== undefined)) return key.cooked;
    if (key?.type === "number") return key.value;
  }
  return undefined;
}

function scanCode(code: string, into: Set<string>): boolean {
  const lexed = lex(code, 0, false);
  // Code we cannot tokenize will not run either; assume the worst rather than guess.
  if (!lexed.ok) return false;
  const { tokens } = lexed;
  for (let i = 0; i < tokens.length; i++) {
    const end = referenceEnd(tokens, i);
    if (end < 0) continue;
    const name = staticName(tokens, end);
    if (name === undefined) return false;
    into.add(name);
  }
  return true;
}

function scanValue(value: JsonValue, into: Set<string>): boolean {
  if (typeof value === "string") {
    if (!value.includes("${")) return true;
    const compiled = compileTemplate(value);
    if (compiled.kind === "typed") return scanCode(compiled.expr.source, into);
    if (compiled.kind === "interpolated") return compiled.parts.every((part) => typeof part === "string" || scanCode(part.source, into));
    return true;
  }
  if (Array.isArray(value)) return value.every((item) => scanValue(item, into));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).every(([key, child]) => scanValue(key, into) && scanValue(child, into));
  }
  return true;
}

/**
 * Statically find the secrets that templates (`mode: "template"`, the default: every `${...}` in the
 * value) or a script (`mode: "script"`: the string is JavaScript) read: `secrets.X`, `secrets?.X`,
 * `secrets["X"]`, `globalThis.secrets.X`. Any other use — `secrets[k]`, `Object.keys(secrets)`,
 * passing `secrets` along, destructuring it — yields "all". Reads the analysis cannot see (code
 * built at run time for `eval`) find no secret in scope: a miss fails closed, never open.
 */
export function referencedSecrets(value: JsonValue, mode: "template" | "script" = "template"): SecretRefs {
  const names = new Set<string>();
  const complete = mode === "script" && typeof value === "string" ? scanCode(value, names) : scanValue(value, names);
  return complete ? names : "all";
}

/** Union of several reference sets. */
export function mergeSecretRefs(...refs: SecretRefs[]): SecretRefs {
  const names = new Set<string>();
  for (const ref of refs) {
    if (ref === "all") return "all";
    for (const name of ref) names.add(name);
  }
  return names;
}

/**
 * Resolve only what is referenced and build the redactor for it. The returned `secrets` is what
 * goes into the expression/script scope; nothing else of the vault is reachable from there.
 */
export async function resolveSecrets(
  refs: SecretRefs,
  resolver: SecretResolver,
): Promise<{ secrets: Record<string, JsonValue>; redactor: Redactor }> {
  if (refs !== "all" && refs.size === 0) return { secrets: {}, redactor: Redactor.fromSecrets({}) };
  const secrets = await resolver.resolve(refs === "all" ? "all" : [...refs].sort());
  return { secrets, redactor: Redactor.fromSecrets(secrets) };
}
