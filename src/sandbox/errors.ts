import type { SandboxError, SandboxErrorKind } from "./types";

/** What the inspect helper's `describe` mode reports about a thrown value. */
export interface DescribedError {
  name?: string;
  message?: string;
  stack?: string;
  line?: number;
  column?: number;
  fileName?: string;
  /** Set instead of name/message when the thrown value was not an Error. */
  thrown?: string;
}

/** Where the user's code sits inside the source handed to QuickJS. */
export interface SourceMapping {
  filename: string;
  /** Lines the wrapper adds before the user's first line. */
  lineOffset: number;
  /** Number of lines of user code; frames past it belong to the wrapper. */
  userLines: number;
  /** Length of the user's last line, where a parse error "at the end of input" is reported. */
  lastLineLength: number;
}

// QuickJS frames look like "    at f (script.js:3:9)" or, for parse errors, "    at script.js:3:9".
const FRAME = /^(\s*at\s+)(?:(.*?)\s+\()?([^():\s]+):(\d+):(\d+)\)?\s*$/;

/** Rewrite the stack to user coordinates, dropping frames of the wrapper and of host helpers. */
export function userStack(stack: string, map: SourceMapping): { stack: string; line?: number; column?: number } {
  const kept: string[] = [];
  let first: { line: number; column: number } | undefined;
  for (const raw of stack.split("\n")) {
    const frame = FRAME.exec(raw);
    if (!frame) continue;
    const [, , fn, file, lineText, columnText] = frame;
    if (file !== map.filename) continue;
    const line = Number(lineText) - map.lineOffset;
    if (line < 1 || line > map.userLines) continue;
    const column = Number(columnText);
    first ??= { line, column };
    const name = fn && fn !== "<anonymous>" ? fn : "<script>";
    kept.push(`    at ${name} (${map.filename}:${line}:${column})`);
  }
  return { stack: collapse(kept).join("\n"), ...first };
}

/** Runaway recursion repeats one frame for the whole stack: show it once, with a count. */
function collapse(frames: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < frames.length;) {
    let j = i + 1;
    while (j < frames.length && frames[j] === frames[i]) j++;
    out.push(j - i > 1 ? `${frames[i]} ×${j - i}` : frames[i]!);
    i = j;
  }
  return out;
}

const MEMORY_MESSAGES = new Set(["out of memory", "string too long"]);

/** Turn the inspect helper's description of a thrown value into the public error shape. */
export function toSandboxError(info: DescribedError, map: SourceMapping): SandboxError {
  if (info.thrown !== undefined) return { kind: "runtime", message: `Uncaught ${info.thrown}` };
  const name = info.name ?? "Error";
  const message = info.message ?? "";
  // Only the parser sets fileName/lineNumber on a SyntaxError; JSON.parse or eval failures are runtime errors.
  const parse = name === "SyntaxError" && info.fileName === map.filename && typeof info.line === "number";
  let kind: SandboxErrorKind = parse ? "syntax" : "runtime";
  if (name === "InternalError" && MEMORY_MESSAGES.has(message)) kind = "memory";
  const error: SandboxError = { kind, message: message ? `${name}: ${message}` : name };
  const mapped = info.stack ? userStack(info.stack, map) : { stack: "" };
  if (kind === "syntax" && typeof info.line === "number") {
    // An unclosed construct is reported on the wrapper's closing line: pin it to the end of the user's code.
    const line = info.line - map.lineOffset;
    if (line > map.userLines) {
      error.line = map.userLines;
      error.column = map.lastLineLength + 1;
    } else {
      error.line = Math.max(1, line);
      if (typeof info.column === "number") error.column = info.column;
    }
  } else if (mapped.line !== undefined) {
    error.line = mapped.line;
    error.column = mapped.column;
  }
  if (mapped.stack) error.stack = mapped.stack;
  return error;
}
