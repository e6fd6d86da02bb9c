/**
 * YAML text → plain value plus the parsed document (kept for source
 * positions). Everything that can go wrong with the text itself is reported
 * here as `yaml_syntax` (or `too_large`), so later stages only ever see a
 * well-formed value.
 *
 * The yaml package is asked to do less than it can, on purpose:
 * - `uniqueKeys` is off because its check is quadratic in the number of keys
 *   of a mapping (seconds for a 1 MiB flow); `findKeyProblems` does the same
 *   check in linear time.
 * - flow-collection nesting is bounded before parsing, because the composer
 *   recurses per level and needs ~1 s to fail on 100k nested `[`.
 */
import { isAlias, isCollection, isMap, isScalar, LineCounter, parseDocument } from "yaml";
import type { Document, Node, YAMLError } from "yaml";
import type { FlowIssue } from "./types";

/** The API rejects larger bodies; anything beyond this is not a hand-written flow. */
export const MAX_SOURCE_BYTES = 1024 * 1024;
/** `[`/`{` nesting bound: far beyond any real flow, well before the parser's stack runs out. */
export const MAX_FLOW_NESTING = 256;
/** Bounds alias expansion ("billion laughs"); counted by the yaml package per dereference. */
export const MAX_ALIAS_COUNT = 50;
/** A broken document can yield one error per line; the first few are what a person reads. */
const MAX_SYNTAX_ERRORS = 10;

export interface ParsedSource {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain JS (merge keys applied, aliases expanded). */
  value: unknown;
}

export type ParseOutcome =
  | { ok: true; parsed: ParsedSource; warnings: FlowIssue[] }
  | { ok: false; errors: FlowIssue[]; warnings: FlowIssue[] };

function issueAt(code: string, message: string, lineCounter: LineCounter | undefined, offset: number): FlowIssue {
  const pos = lineCounter ? lineCounter.linePos(Math.max(0, offset)) : { line: 1, col: 1 };
  return { code, message, path: [], line: pos.line, column: pos.col };
}

function utf8Length(source: string): number {
  // Cheap bounds first: every UTF-16 unit is 1–3 UTF-8 bytes.
  if (source.length > MAX_SOURCE_BYTES || source.length * 3 <= MAX_SOURCE_BYTES) return source.length;
  return new TextEncoder().encode(source).length;
}

/**
 * Offset of the first `[`/`{` nested deeper than the limit. Brackets inside
 * quoted strings or block scalars are counted too; real flows are nowhere
 * near the limit, so the over-count only matters for hostile input.
 */
function tooDeepAt(source: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_FLOW_NESTING) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return undefined;
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

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** Duplicate keys and non-scalar keys, found with an explicit stack (no recursion on user input). */
function findKeyProblems(doc: Document.Parsed, lineCounter: LineCounter): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && issues.length < MAX_SYNTAX_ERRORS) {
    const node = stack.pop();
    if (!isCollection(node)) continue;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const offset = key?.range?.[0] ?? node.range?.[0] ?? 0;
        if (isCollection(key)) {
          issues.push(issueAt("yaml_syntax", "mapping keys must be plain scalars, not lists or mappings", lineCounter, offset));
          continue;
        }
        if (isAlias(key)) {
          issues.push(issueAt("yaml_syntax", "mapping keys must not be aliases", lineCounter, offset));
          continue;
        }
        const text = keyText(key);
        if (seen.has(text) && text !== "<<") {
          issues.push(issueAt("yaml_syntax", `duplicate key '${text}'`, lineCounter, offset));
        }
        seen.add(text);
        stack.push(pair.value);
      }
    } else {
      for (const item of node.items) stack.push(item);
    }
  }
  return issues;
}

/** Where the alias that made expansion fail is: an unresolved one, else the first in the text. */
function failingAliasOffset(doc: Document.Parsed): number {
  let first = Number.POSITIVE_INFINITY;
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      if (node.resolve(doc) === undefined) return offset;
      first = Math.min(first, offset);
    } else if (isMap(node)) {
      for (const pair of node.items) stack.push(pair.value, pair.key);
    } else if (isCollection(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return Number.isFinite(first) ? first : 0;
}

export function parseFlowSource(source: string): ParseOutcome {
  const bytes = utf8Length(source);
  if (bytes > MAX_SOURCE_BYTES) {
    const size = (bytes / MAX_SOURCE_BYTES).toFixed(1);
    return { ok: false, warnings: [], errors: [issueAt("too_large", `flow source is ${size} MiB; the limit is 1 MiB`, undefined, 0)] };
  }
  const lineCounter = new LineCounter();
  const deepAt = tooDeepAt(source);
  if (deepAt !== undefined) {
    // Line starts are needed for the position even though the text is never parsed.
    lineCounter.addNewLine(0);
    for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
    const message = `collections are nested more than ${MAX_FLOW_NESTING} levels deep`;
    return { ok: false, warnings: [], errors: [issueAt("yaml_syntax", message, lineCounter, deepAt)] };
  }

  const doc = parseDocument(source, {
    lineCounter,
    uniqueKeys: false,
    merge: true,
    prettyErrors: false,
    // "error", not "silent": silent also drops the multiple-documents error.
    // Either way nothing is printed; warnings are returned as issues.
    logLevel: "error",
  });
  const warnings = doc.warnings
    .slice(0, MAX_SYNTAX_ERRORS)
    .map((w) => issueAt("yaml_warning", w.message, lineCounter, w.pos[0]));
  const errors = firstCauses(doc.errors).map((e) => issueAt("yaml_syntax", describeYamlError(e), lineCounter, e.pos[0]));
  if (errors.length === 0) errors.push(...findKeyProblems(doc, lineCounter));
  if (errors.length > 0) return { ok: false, errors, warnings };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const message = /excessive alias/i.test(text)
      ? `aliases expand to too much data (more than ${MAX_ALIAS_COUNT} alias expansions)`
      : text;
    return { ok: false, warnings, errors: [issueAt("yaml_syntax", message, lineCounter, failingAliasOffset(doc))] };
  }
  return { ok: true, parsed: { doc, lineCounter, value }, warnings };
}
