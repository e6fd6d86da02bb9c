/**
 * Maps a path in the parsed value (["nodes", "fetch", "params", "url"]) back
 * to a line and column in the YAML text. Issues point at a key when the key
 * itself is the problem (unknown key, missing param: the parent key) and at
 * the value otherwise; when the path runs past what exists, the deepest key
 * that does exist is used, so every issue gets a useful position.
 */
import { isAlias, isMap, isScalar, isSeq } from "yaml";
import type { Alias, Document, LineCounter, Node, Pair, YAMLMap } from "yaml";

export type Anchor = "key" | "value";
export interface Position {
  line: number;
  column: number;
}
export type PathSegment = string | number;

const START: Position = { line: 1, column: 1 };
/** Merge keys may chain (`<<: *a` where a has its own `<<`); bound the walk. */
const MAX_MERGE_HOPS = 8;

function keyText(pair: Pair): string {
  const key = pair.key;
  const text = isScalar(key) ? key.value : key;
  // toJS turns a null key into "" and numbers into their decimal text.
  return String(text ?? "");
}

function startOf(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  // An empty value (`params:` with nothing after it) is a zero-width null
  // scalar placed at the end of the line; it is no place to point at.
  if (!range || (isScalar(node) && node.value === null && range[0] === range[1])) return undefined;
  return range[0];
}

export class SourceLocator {
  // Plain fields, not parameter properties: Node's type stripping cannot run those.
  private readonly doc: Document;
  private readonly lineCounter: LineCounter;
  private readonly aliases: ReadonlyMap<Alias, Node>;
  /** Each mapping's pairs by key, built on first use: a flow with 1,000 nodes is located hundreds of times. */
  private readonly pairsByKey = new WeakMap<YAMLMap, { byKey: Map<string, Pair>; merges: Pair[] }>();

  constructor(doc: Document, lineCounter: LineCounter, aliases: ReadonlyMap<Alias, Node>) {
    this.doc = doc;
    this.lineCounter = lineCounter;
    this.aliases = aliases;
  }

  private resolveAlias(node: unknown): unknown {
    return isAlias(node) ? this.aliases.get(node) : node;
  }

  private findPair(map: unknown, segment: PathSegment, hops = 0): Pair | undefined {
    if (!isMap(map)) return undefined;
    let index = this.pairsByKey.get(map);
    if (!index) {
      index = { byKey: new Map(), merges: [] };
      for (const pair of map.items) {
        const key = keyText(pair);
        if (key === "<<") index.merges.push(pair);
        // The first pair of a key wins (duplicates are refused anyway).
        if (!index.byKey.has(key)) index.byKey.set(key, pair);
      }
      this.pairsByKey.set(map, index);
    }
    const direct = index.byKey.get(String(segment));
    if (direct || hops >= MAX_MERGE_HOPS) return direct;
    // A key may come from a `<<` merge; report it where it is written.
    for (const merge of index.merges) {
      const value = this.resolveAlias(merge.value);
      const sources = isSeq(value) ? value.items.map((item) => this.resolveAlias(item)) : [value];
      for (const source of sources) {
        const found = this.findPair(source, segment, hops + 1);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The YAML node at `path` (aliases resolved), if it exists. */
  node(path: readonly PathSegment[]): unknown {
    let current: unknown = this.doc.contents;
    for (const segment of path) {
      current = this.resolveAlias(current);
      if (isMap(current)) current = this.findPair(current, segment)?.value;
      else if (isSeq(current) && typeof segment === "number") current = current.items[segment];
      else return undefined;
      if (current === undefined) return undefined;
    }
    return current;
  }

  /** The exact source text of the scalar at `path` (e.g. "1.0" where the value is the number 1). */
  sourceText(path: readonly PathSegment[]): string | undefined {
    const node = this.node(path);
    return isScalar(node) ? node.source : undefined;
  }

  locate(path: readonly PathSegment[], anchor: Anchor = "value"): Position {
    let current: unknown = this.doc.contents;
    // Deepest offset known so far: the fallback when the path leaves the document.
    let fallback = startOf(current);
    let lastKey: unknown;
    let complete = true;
    for (const segment of path) {
      current = this.resolveAlias(current);
      if (isMap(current)) {
        const pair = this.findPair(current, segment);
        if (!pair) {
          complete = false;
          break;
        }
        lastKey = pair.key;
        current = pair.value;
        fallback = startOf(lastKey) ?? fallback;
      } else if (isSeq(current) && typeof segment === "number" && segment < current.items.length) {
        lastKey = undefined;
        current = current.items[segment];
        fallback = startOf(current) ?? fallback;
      } else {
        complete = false;
        break;
      }
    }
    let offset = fallback;
    if (complete) {
      const preferred = anchor === "key" ? startOf(lastKey) : startOf(current);
      offset = preferred ?? startOf(lastKey) ?? startOf(current) ?? fallback;
    }
    if (offset === undefined) return START;
    const pos = this.lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
}
