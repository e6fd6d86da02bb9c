import type { Intrinsics } from "quickjs-emscripten-core";
import { TextCache } from "../lib/text-cache";
import type { SourceMapping } from "./errors";

export const SCRIPT_FILENAME = "script.js";
export const EXPRESSION_FILENAME = "expression.js";

/** Code ready for QuickJS, with what the engine needs to know about it. */
export interface PreparedSource {
  /** The wrapper function, called: what a fresh context evaluates. */
  code: string;
  /** The wrapper function itself, compiled once and called again in a shared context (see `reusable`). */
  callable: string;
  map: SourceMapping;
  /** Built-ins to create in the context (see `analyse`); undefined means all of them. */
  intrinsics: Intrinsics | undefined;
  /** Whether the code may read the global `name`; unread scope values are not copied in. */
  reads(name: string): boolean;
  /**
   * Whether the code may run in a context other calls share (see SharedContexts): it reaches
   * globals only by name and does not look as if it changed a built-in. Built-ins are frozen there,
   * so this guards behaviour, not isolation: a script that extends a prototype keeps working,
   * in a fresh context of its own.
   */
  shareable: boolean;
  /**
   * Whether a shared context may keep the compiled wrapper and call it again: only when the code
   * cannot reach the function object itself (through `arguments.callee` or `caller`), which is the
   * one thing that would outlive a call.
   */
  reusable: boolean;
}

// Code that can reach globals without naming them (the global object, eval, the Function
// constructor, reflection) gets every built-in and every scope value.
const DYNAMIC = /\b(?:globalThis|self|this|eval|Function|Reflect|constructor|getPrototypeOf|__proto__|with)\b/;
const TYPED_ARRAYS =
  /\b(?:ArrayBuffer|SharedArrayBuffer|DataView|Atomics|(?:Ui|I)nt(?:8|16|32)(?:Clamped)?Array|Float(?:16|32|64)Array|Big(?:Ui|I)nt64Array)\b/;
const MAP_SET = /\b(?:Map|Set|WeakMap|WeakSet|WeakRef|FinalizationRegistry)\b/;
const PROMISE = /\b(?:async|await|Promise|import)\b/;
const MAY_AWAIT = /\bawait\b/;
// Built-in names whose properties a script could try to change, and the words of reflection that
// change objects in place. Frozen built-ins would ignore (or, in strict code, refuse) the change.
const BUILTIN =
  "(?:Object|Function|Array|String|Number|Boolean|Symbol|BigInt|Math|JSON|Date|RegExp|(?:Aggregate|Eval|Range|Reference|Syntax|Type|URI|Internal)?Error|" +
  "Promise|Map|Set|WeakMap|WeakSet|Proxy|Intl|Iterator|console|(?:Shared)?ArrayBuffer|DataView|Atomics|(?:Ui|I)nt(?:8|16|32)(?:Clamped)?Array|" +
  "Float(?:16|32|64)Array|Big(?:Ui|I)nt64Array|parseInt|parseFloat|isNaN|isFinite|(?:en|de)codeURI(?:Component)?|escape|unescape)";
const ASSIGNMENT = "(?:[-+*/%&|^]|\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?)?=(?![=>])";
const CHANGES_BUILTIN = new RegExp(
  [
    "\\b(?:prototype|__define[GS]etter__)\\b",
    `\\b(?:defineProperty|defineProperties|setPrototypeOf|assign)\\s*\\(\\s*${BUILTIN}\\b`,
    `\\bdelete\\s+${BUILTIN}\\b`,
    `\\b${BUILTIN}\\s*(?:(?:\\.\\s*[\\w$]+|\\[[^\\]]*\\])\\s*)*${ASSIGNMENT}`,
  ].join("|"),
);
// Finalisers run whenever the collector gets round to them, which in a shared context may be
// during a later call.
const FINALISERS = /\b(?:WeakRef|FinalizationRegistry)\b/;
const REACHES_ITSELF = /\b(?:arguments|callee|caller)\b/;
const IDENTIFIER_CHAR = /[\w$\u00a0-\uffff]/;

/** Whether `name` occurs in `code` as a whole word (in code, strings or comments alike: an over-approximation). */
function mentions(code: string, name: string): boolean {
  for (let at = code.indexOf(name); at >= 0; at = code.indexOf(name, at + 1)) {
    const before = code[at - 1];
    const after = code[at + name.length];
    if ((before === undefined || !IDENTIFIER_CHAR.test(before)) && (after === undefined || !IDENTIFIER_CHAR.test(after))) return true;
  }
  return false;
}

/**
 * Creating a context costs about as much as running a small script, and most of that is built-ins
 * few scripts use. Typed arrays, Map/Set, Proxy, Date, Promise and String.prototype.normalize are
 * only reachable by naming them (or through the dynamic escapes above), so they are created only
 * for code that does. Also used for plugin sources (src/plugins/js/context.ts).
 */
export function analyse(userCode: string): Pick<PreparedSource, "intrinsics" | "reads" | "shareable"> {
  if (DYNAMIC.test(userCode)) return { intrinsics: undefined, reads: () => true, shareable: false };
  const intrinsics: Intrinsics = {
    BaseObjects: true,
    BigInt: true, // `1n` needs no name
    Eval: true,
    JSON: true,
    RegExp: true,
    Date: mentions(userCode, "Date"),
    StringNormalize: mentions(userCode, "normalize"),
    Proxy: mentions(userCode, "Proxy"),
    MapSet: MAP_SET.test(userCode),
    TypedArrays: TYPED_ARRAYS.test(userCode),
    Promise: PROMISE.test(userCode),
  };
  const cache = new Map<string, boolean>();
  const reads = (name: string): boolean => {
    let hit = cache.get(name);
    if (hit === undefined) cache.set(name, (hit = mentions(userCode, name)));
    return hit;
  };
  return { intrinsics, reads, shareable: !CHANGES_BUILTIN.test(userCode) && !FINALISERS.test(userCode) };
}

function prepare(userCode: string, filename: string, head: string, tail: string): PreparedSource {
  const lines = userCode.split("\n");
  const async = MAY_AWAIT.test(userCode) ? "async " : "";
  // The user's code starts on line 2, column 1, so columns need no correction and lines shift by one.
  const callable = `(${async}function () {${head}\n${userCode}\n${tail}})`;
  const analysed = analyse(userCode);
  return {
    code: `${callable}()`,
    callable,
    map: { filename, lineOffset: 1, userLines: lines.length, lastLineLength: lines[lines.length - 1]?.length ?? 0 },
    ...analysed,
    reusable: analysed.shareable && !REACHES_ITSELF.test(userCode),
  };
}

// Flows run the same scripts and expressions over and over: prepare each text once. A prepared
// source holds about twice its text, so 1M characters of keys stay within a few MB.
const cache = new TextCache<PreparedSource>(1000, 1_000_000, 100_000);

/** A function body: `return` gives the result. */
export function prepareScript(body: string): PreparedSource {
  return cache.get(`s${body}`, () => prepare(body, SCRIPT_FILENAME, "", ""));
}

/** One expression; the newline before the closing parenthesis keeps a trailing `// comment` harmless. */
export function prepareExpression(expr: string): PreparedSource {
  return cache.get(`e${expr}`, () => prepare(expr, EXPRESSION_FILENAME, " return (", ");"));
}
