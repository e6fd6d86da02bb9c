import type { PreparedSource } from "./engine";

export const SCRIPT_FILENAME = "script.js";
export const EXPRESSION_FILENAME = "expression.js";

// Only code that might await pays for the async wrapper (a promise plus a job-queue run). A false
// positive ("await" in a string) just takes the async path.
const MAY_AWAIT = /\bawait\b/;

function prepare(userCode: string, filename: string, head: string, tail: string): PreparedSource {
  const lines = userCode.split("\n");
  const async = MAY_AWAIT.test(userCode) ? "async " : "";
  return {
    // The user's code starts on line 2, column 1, so columns need no correction and lines shift by one.
    code: `(${async}function () {${head}\n${userCode}\n${tail}})()`,
    map: { filename, lineOffset: 1, userLines: lines.length, lastLineLength: lines[lines.length - 1]?.length ?? 0 },
  };
}

/** A function body: `return` gives the result. */
export function prepareScript(body: string): PreparedSource {
  return prepare(body, SCRIPT_FILENAME, "", "");
}

/** One expression; the newline before the closing parenthesis keeps a trailing `// comment` harmless. */
export function prepareExpression(expr: string): PreparedSource {
  return prepare(expr, EXPRESSION_FILENAME, " return (", ");");
}
