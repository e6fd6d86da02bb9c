/**
 * YAML text → plain value plus the parsed document (kept for source
 * positions). Everything that can go wrong with the text itself is reported
 * here as `yaml_syntax`, `too_large` or `limit_exceeded`, so later stages
 * only ever see a well-formed value within the input budget.
 *
 * The yaml package is asked to do less than it can, on purpose:
 * - `uniqueKeys` is off because its check is quadratic in the number of keys
 *   of a mapping (seconds for a 1 MiB flow); `checkDocument` does the same
 *   check in linear time.
 * - alias counting is off (`maxAliasCount: -1`): its count resolves each
 *   alias by walking the whole document. `checkDocument` bounds aliases,
 *   anchors and their expansion in one pass before the value is built.
 * - nesting and characters are checked before parsing (`scanSource`),
 *   because the parser recurses per level, and tokens are counted as they
 *   are parsed, because the parser's time grows with them.
 */
import { Composer, Lexer, LineCounter, Parser, YAMLParseError } from "yaml";
import type { Alias, CST, Document, Node, YAMLError } from "yaml";
import { INPUT_BUDGET, utf8Bytes, type BudgetLimit } from "../input-budget";
import { checkDocument } from "./document-check";
import { scanSource } from "./source-scan";
import type { FlowIssue } from "./types";

/** The largest flow source accepted (the input budget's `flowSourceBytes`). */
export const MAX_SOURCE_BYTES = INPUT_BUDGET.flowSourceBytes;
/** A broken document can yield one error per line; the first few are what a person reads. */
const MAX_SYNTAX_ERRORS = 10;

export interface ParsedSource {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Every alias with the node it refers to, resolved once. */
  aliases: ReadonlyMap<Alias, Node>;
  /** The document as plain JS (merge keys applied, aliases expanded). */
  value: unknown;
}

export type ParseOutcome =
  { ok: true; parsed: ParsedSource; warnings: FlowIssue[] } | { ok: false; errors: FlowIssue[]; warnings: FlowIssue[] };

function issueAt(code: string, message: string, lineCounter: LineCounter | undefined, offset: number, limit?: BudgetLimit): FlowIssue {
  const pos = lineCounter ? lineCounter.linePos(Math.max(0, offset)) : { line: 1, col: 1 };
  return { code, message, path: [], line: pos.line, column: pos.col, ...(limit ? { limit } : {}) };
}

/** Line starts for positions in text that is never parsed. */
function countLines(source: string): LineCounter {
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
  return lineCounter;
}

function sizeIssue(bytes: number): FlowIssue {
  const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`;
  const message = `flow source is ${kib(bytes)}; the limit is ${kib(MAX_SOURCE_BYTES)}`;
  return issueAt("too_large", message, undefined, 0, "flowSourceBytes");
}

/** Refuses, unparsed, text the parser could choke on or storage could not keep. */
function scanIssue(source: string): FlowIssue | undefined {
  const problem = scanSource(source);
  if (!problem) return undefined;
  const lineCounter = countLines(source);
  if (problem.kind === "nesting") {
    const message = `the document nests too deeply to parse (its brackets and indentation go more than ${INPUT_BUDGET.flowDepth} levels deep)`;
    return issueAt("limit_exceeded", message, lineCounter, problem.offset, "flowDepth");
  }
  const code = `U+${problem.codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
  return issueAt(
    "yaml_syntax",
    `the character ${code} is not allowed in YAML (write it as an escape in a double-quoted string if it is meant)`,
    lineCounter,
    problem.offset,
  );
}

function describeYamlError(error: YAMLError): string {
  switch (error.code) {
    case "MULTIPLE_DOCS":
      return "a flow must be a single YAML document (found a second document after '---')";
    case "RESOURCE_EXHAUSTION":
      return "the document is nested too deeply to process";
    default:
      // yaml's messages end with a source excerpt when prettyErrors is on; it is off, so they are one line.
      return error.message;
  }
}

/**
 * After the first syntax error the parser reports every following token as
 * unexpected; those echoes hide the real mistake, so keep only the first
 * error per line and no "unexpected token" after the first error.
 */
function firstCauses(errors: readonly YAMLError[]): YAMLError[] {
  const kept: YAMLError[] = [];
  const lines = new Set<number>();
  for (const error of errors) {
    if (kept.length >= MAX_SYNTAX_ERRORS) break;
    if (kept.length > 0 && error.code === "UNEXPECTED_TOKEN") continue;
    const line = error.linePos?.[0]?.line ?? error.pos[0];
    if (lines.has(line)) continue;
    lines.add(line);
    kept.push(error);
  }
  return kept;
}

const PARSE_OPTIONS = {
  uniqueKeys: false,
  merge: true,
  prettyErrors: false,
  // "error", not "silent": silent also drops the multiple-documents error.
  // Either way nothing is printed; warnings are returned as issues.
  logLevel: "error",
} as const;

/** Refusal from inside the token stream: a budget the parse itself would otherwise spend. */
class StreamBudgetSpent extends Error {
  constructor(
    readonly limit: "yamlTokens" | "yamlAliases" | "yamlAnchors",
    readonly offset: number,
  ) {
    super(limit);
  }
}

const STREAM_MESSAGES = {
  yamlTokens: `the document has more than ${INPUT_BUDGET.yamlTokens} YAML tokens (keys, values, indicators, spaces and line breaks)`,
  yamlAliases: `more than ${INPUT_BUDGET.yamlAliases} aliases`,
  yamlAnchors: `more than ${INPUT_BUDGET.yamlAnchors} anchors`,
};

/**
 * The lexer's tokens, counted on their way to the parser: all of them, and
 * the aliases (`*x`) and anchors (`&x`) among them, so a flood of either is
 * refused where it crosses its budget rather than after the whole parse.
 * (`checkDocument` still checks both exactly, on the parsed document.)
 */
function* countedTokens(source: string, parser: Parser): Generator<CST.Token> {
  let count = 0;
  let aliases = 0;
  let anchors = 0;
  let scalarNext = false;
  for (const lexeme of new Lexer().lex(source)) {
    if (++count > INPUT_BUDGET.yamlTokens) throw new StreamBudgetSpent("yamlTokens", 0);
    const first = lexeme.charCodeAt(0);
    // After the lexer's scalar marker comes a scalar's text, whatever its first character.
    if (!scalarNext && first === 0x2a && ++aliases > INPUT_BUDGET.yamlAliases) throw new StreamBudgetSpent("yamlAliases", parser.offset);
    if (!scalarNext && first === 0x26 && ++anchors > INPUT_BUDGET.yamlAnchors) throw new StreamBudgetSpent("yamlAnchors", parser.offset);
    // The lexer's scalar marker.
    scalarNext = lexeme === "\x1f";
    yield* parser.next(lexeme);
  }
  yield* parser.end();
}

/**
 * `parseDocument`, fed through the token counter: the parser's cost is 2–4
 * µs per token here whatever the bytes hold, so the budget is counted in
 * tokens and the parse stops at the first token past it.
 */
function parseCounted(source: string, lineCounter: LineCounter): Document.Parsed | StreamBudgetSpent {
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  let doc: Document.Parsed | undefined;
  try {
    for (const next of new Composer(PARSE_OPTIONS).compose(countedTokens(source, parser), true, source.length)) {
      if (!doc) {
        doc = next;
        continue;
      }
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], "MULTIPLE_DOCS", "more than one document"));
      break;
    }
  } catch (error) {
    if (error instanceof StreamBudgetSpent) return error;
    throw error;
  }
  // compose(..., forceDoc) always yields a document.
  return doc!;
}

export function parseFlowSource(source: string): ParseOutcome {
  const bytes = source.length > MAX_SOURCE_BYTES ? source.length : utf8Bytes(source);
  if (bytes > MAX_SOURCE_BYTES) return { ok: false, warnings: [], errors: [sizeIssue(bytes)] };
  const unparsable = scanIssue(source);
  if (unparsable) return { ok: false, warnings: [], errors: [unparsable] };

  const lineCounter = new LineCounter();
  const doc = parseCounted(source, lineCounter);
  if (doc instanceof StreamBudgetSpent) {
    return {
      ok: false,
      warnings: [],
      errors: [issueAt("limit_exceeded", STREAM_MESSAGES[doc.limit], countLines(source), doc.offset, doc.limit)],
    };
  }
  const warnings = doc.warnings.slice(0, MAX_SYNTAX_ERRORS).map((w) => issueAt("yaml_warning", w.message, lineCounter, w.pos[0]));
  const errors = firstCauses(doc.errors).map((e) => issueAt("yaml_syntax", describeYamlError(e), lineCounter, e.pos[0]));
  if (errors.length > 0) return { ok: false, errors, warnings };

  const checked = checkDocument(doc);
  if (checked.problems.length > 0) {
    const issues = checked.problems.map((p) =>
      issueAt(p.limit ? "limit_exceeded" : "yaml_syntax", p.message, lineCounter, p.offset, p.limit),
    );
    return { ok: false, errors: issues, warnings };
  }
  try {
    const value = doc.toJS({ maxAliasCount: -1 });
    return { ok: true, parsed: { doc, lineCounter, aliases: checked.aliases, value }, warnings };
  } catch (error) {
    // checkDocument leaves nothing for toJS to refuse; this keeps a parser surprise an issue, not a throw.
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, warnings, errors: [issueAt("yaml_syntax", text, lineCounter, 0)] };
  }
}
