/**
 * Checks on the YAML text that run before it is parsed, because the parser
 * itself is what they protect: it recurses per nesting level (200,000 nested
 * `- ` took 1.4 s just to fail) and copies whatever characters it is given
 * into values that storage may not be able to keep. One linear pass.
 */
import { INPUT_BUDGET } from "../input-budget";

/**
 * The scan's nesting estimate may run past the real limit by this much before
 * the text is refused unparsed: it counts brackets inside strings and the
 * indentation of block scalars, which the exact check after parsing does not.
 */
export const SCAN_DEPTH = INPUT_BUDGET.flowDepth * 2;

export type ScanProblem = { kind: "character"; offset: number; codePoint: number } | { kind: "nesting"; offset: number };

/**
 * YAML 1.2 allows only printable characters (c-printable): tab, LF, CR,
 * U+0020–U+007E, U+0085, U+00A0–U+D7FF, U+E000–U+FFFD and the astral planes.
 * Everything else (NUL, other controls, unpaired surrogates, U+FFFE/FFFF) is
 * refused where it stands.
 */
function printable(text: string, i: number): { ok: boolean; width: number; codePoint: number } {
  const c = text.charCodeAt(i);
  if (c >= 0x20 && c <= 0x7e) return { ok: true, width: 1, codePoint: c };
  if (c === 0x09 || c === 0x0a || c === 0x0d || c === 0x85) return { ok: true, width: 1, codePoint: c };
  if (c >= 0xd800 && c <= 0xdbff) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return { ok: true, width: 2, codePoint: 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00) };
    return { ok: false, width: 1, codePoint: c };
  }
  const ok = (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd);
  return { ok, width: 1, codePoint: c };
}

/**
 * Finds a character YAML does not allow, or a point where brackets plus
 * indentation levels plus compact block indicators (`- - - x`, `? ? x`) nest
 * deeper than SCAN_DEPTH.
 */
export function scanSource(source: string): ScanProblem | undefined {
  let brackets = 0;
  // Indentation widths of the open block levels, innermost last.
  const indents: number[] = [];
  let lineStart = true;
  for (let i = 0; i < source.length;) {
    if (lineStart) {
      lineStart = false;
      const problem = blockLevelsAt(source, i, indents, brackets);
      if (problem !== undefined) return { kind: "nesting", offset: problem };
    }
    const c = source.charCodeAt(i);
    if (c === 0x0a) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (++brackets > SCAN_DEPTH) return { kind: "nesting", offset: i };
    } else if ((c === 0x5d || c === 0x7d) && brackets > 0) {
      brackets--;
    } else if (c < 0x20 || c > 0x7e) {
      const { ok, width, codePoint } = printable(source, i);
      if (!ok) return { kind: "character", offset: i, codePoint };
      i += width;
      continue;
    }
    i++;
  }
  return undefined;
}

/** The offset where a line's block nesting runs past the bound, else undefined. */
function blockLevelsAt(source: string, start: number, indents: number[], brackets: number): number | undefined {
  let i = start;
  while (source.charCodeAt(i) === 0x20) i++;
  const c = source.charCodeAt(i);
  // Blank and comment lines open no level.
  if (Number.isNaN(c) || c === 0x0a || c === 0x0d || c === 0x23) return undefined;
  const indent = i - start;
  while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
  indents.push(indent);
  let depth = indents.length + brackets;
  // `- `, `? ` and `: ` at the start of a line each open a level on the same line.
  for (;;) {
    const indicator = source.charCodeAt(i);
    const after = source.charCodeAt(i + 1);
    if ((indicator !== 0x2d && indicator !== 0x3f && indicator !== 0x3a) || (after !== 0x20 && after !== 0x09)) break;
    if (++depth > SCAN_DEPTH) return i;
    i += 2;
    while (source.charCodeAt(i) === 0x20 || source.charCodeAt(i) === 0x09) i++;
  }
  return depth > SCAN_DEPTH ? i : undefined;
}
