/**
 * Splitting a document into chunks for embedding, markdown-aware: first into sections at markdown
 * headings (outside fenced code), then, where a section is too long, into paragraphs (a fenced code
 * block stays one), then sentences, then words, and as a last resort characters. Consecutive pieces
 * of a section are packed into chunks of at most `size`; each chunk after the first of a section
 * starts with the last words of the one before, up to `overlap`. A chunk never spans two sections,
 * and every chunk carries its section's heading trail.
 *
 * Sizes are in characters (Unicode code points) or in approximate tokens: a run of letters and
 * digits counts one token per 4 characters (rounded up), a CJK character one, any other visible
 * character one, which is close to what the common BPE tokenizers make of English and code without
 * shipping one.
 */
import { NodeError } from "../../engine/outcome";

export type ChunkUnit = "characters" | "tokens";

export interface ChunkOptions {
  /** The most a chunk may hold, overlap included. */
  size: number;
  /** How much of a chunk's end the next chunk of the same section repeats; less than `size`. 0 by default. */
  overlap?: number;
  /** `characters` by default. */
  unit?: ChunkUnit;
}

export interface TextChunk {
  text: string;
  /** The headings above the chunk, outermost first (empty before the first heading). */
  headings: string[];
}

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** A text's size in the unit. */
export function measure(text: string, unit: ChunkUnit): number {
  if (unit === "characters") {
    let n = 0;
    for (const _ of text) n++;
    return n;
  }
  let tokens = 0;
  for (const [piece] of text.matchAll(/[\p{L}\p{N}]+|\S/gu)) {
    if (CJK.test(piece)) tokens += [...piece].length;
    else tokens += /[\p{L}\p{N}]/u.test(piece) ? Math.ceil([...piece].length / 4) : 1;
  }
  return tokens;
}

export function chunkText(text: string, options: ChunkOptions): TextChunk[] {
  const unit = options.unit ?? "characters";
  const size = options.size;
  const overlap = options.overlap ?? 0;
  if (!Number.isInteger(size) || size < 1) throw invalid("size must be a whole number of at least 1");
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size)
    throw invalid("overlap must be a whole number from 0 to less than size");
  if (unit !== "characters" && unit !== "tokens") throw invalid("unit is characters or tokens");
  const fits = (piece: string) => measure(piece, unit) <= size;
  const chunks: TextChunk[] = [];
  for (const section of sections(text)) {
    const pieces = split(section.text, fits);
    let current = "";
    const flush = () => {
      if (current.trim() !== "") chunks.push({ text: current.trim(), headings: section.headings });
    };
    for (const piece of pieces) {
      if (current === "" || fits(current + piece)) {
        current += piece;
        continue;
      }
      flush();
      const carried = seed(current.trim(), overlap, unit);
      current = carried !== "" && fits(`${carried} ${piece}`) ? `${carried} ${piece}` : piece;
    }
    flush();
  }
  return chunks;
}

const invalid = (message: string) => new NodeError("invalid_chunking", message, null, false);

/** The last words of a chunk that fit in `overlap`. */
function seed(text: string, overlap: number, unit: ChunkUnit): string {
  if (overlap === 0) return "";
  const words = text.split(/(?<=\s)/);
  let tail = "";
  for (let i = words.length - 1; i >= 0; i--) {
    const longer = words[i]! + tail;
    if (measure(longer.trim(), unit) > overlap) break;
    tail = longer;
  }
  return tail.trim();
}

/** The text at its markdown headings, each section with the trail of headings above it. */
function sections(text: string): { text: string; headings: string[] }[] {
  const found: { text: string; headings: string[] }[] = [];
  const trail: { level: number; title: string }[] = [];
  let lines: string[] = [];
  let fence: string | null = null;
  const close = () => {
    if (lines.join("").trim() !== "") found.push({ text: lines.join("\n"), headings: trail.map((h) => h.title) });
    lines = [];
  };
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const marker = FENCE.exec(line)?.[1];
    if (marker !== undefined && (fence === null || marker.startsWith(fence))) fence = fence === null ? marker[0]!.repeat(3) : null;
    const heading = fence === null ? HEADING.exec(line) : null;
    if (heading) {
      close();
      const level = heading[1]!.length;
      while (trail.length > 0 && trail.at(-1)!.level >= level) trail.pop();
      trail.push({ level, title: heading[2]! });
    }
    lines.push(line);
  }
  close();
  return found;
}

/**
 * Pieces that each fit and together make the text: paragraphs, else sentences, else words, else
 * characters; each keeps the whitespace that followed it.
 */
function split(text: string, fits: (piece: string) => boolean): string[] {
  if (fits(text)) return [text];
  const levels: ((t: string) => string[])[] = [
    paragraphs,
    (t) => t.split(/(?<=[.!?…]["'”’)\]]*\s+)|(?<=[。！？])/u),
    (t) => t.split(/(?<=\s)/),
  ];
  for (const level of levels) {
    const parts = level(text).filter((part) => part !== "");
    if (parts.length > 1) return parts.flatMap((part) => split(part, fits));
  }
  const out: string[] = [];
  let piece = "";
  for (const char of text) {
    if (piece !== "" && !fits(piece + char)) {
      out.push(piece);
      piece = "";
    }
    piece += char;
  }
  return piece === "" ? out : [...out, piece];
}

/** Paragraphs (blank-line separated), a fenced code block kept whole. */
function paragraphs(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let fence: string | null = null;
  const lines = text.split(/(?<=\n)/);
  for (const line of lines) {
    const marker = FENCE.exec(line)?.[1];
    if (marker !== undefined && (fence === null || marker.startsWith(fence))) fence = fence === null ? marker[0]!.repeat(3) : null;
    current += line;
    if (fence === null && line.trim() === "" && current.trim() !== "") {
      out.push(current);
      current = "";
    }
  }
  if (current !== "") out.push(current);
  return out;
}
