/**
 * One pass over a parsed YAML document, in source order, before it becomes a
 * plain value. It finds what the yaml package would either accept and then
 * break on, or find only at a cost that grows with the square of the
 * document: keys that are not plain scalars or repeat, anchors and aliases
 * past the budget, an alias inside the anchor it names (a value containing
 * itself, which can never be stored as JSON), expansion bombs, nesting deeper
 * than the budget once aliases are expanded, and strings too long or holding
 * text that storage cannot keep.
 *
 * It also resolves every alias once, so nothing later has to search the
 * document for an anchor (the yaml package's `Alias.resolve` walks the whole
 * document per call: 5,000 aliases took seconds).
 */
import { isAlias, isCollection, isMap, isScalar } from "yaml";
import type { Alias, Document, Node, YAMLMap } from "yaml";
import { INPUT_BUDGET, textProblem, type BudgetLimit } from "../input-budget";

/** Where the document is wrong, as an offset; `limit` names the budget entry it broke. */
export interface DocumentProblem {
  offset: number;
  message: string;
  limit?: BudgetLimit;
}

export interface DocumentCheck {
  problems: DocumentProblem[];
  /** Every alias with the node it refers to. */
  aliases: Map<Alias, Node>;
}

/** A broken document can yield one problem per line; the first few are what a person reads. */
const MAX_PROBLEMS = 10;

interface Frame {
  node: unknown;
  /** Containers enclosing this node (the root collection sits at 0). */
  depth: number;
  exit: boolean;
}

/** Expanded size (values, aliases counted as what they stand for) and container height of finished nodes. */
interface Measure {
  size: number;
  height: number;
}

const SCALAR: Measure = { size: 1, height: 0 };

function offsetOf(node: unknown, fallback = 0): number {
  return (node as Node | null | undefined)?.range?.[0] ?? fallback;
}

function children(node: Node): unknown[] {
  if (isMap(node)) return node.items.flatMap((pair) => [pair.key, pair.value]);
  return isCollection(node) ? node.items : [];
}

class DocumentWalk {
  readonly problems: DocumentProblem[] = [];
  readonly aliases = new Map<Alias, Node>();
  private readonly anchors = new Map<string, Node>();
  private readonly measures = new Map<Node, Measure>();
  /** Collections entered and not yet left: the ancestors of the current node. */
  private readonly open = new Set<Node>();
  private anchorCount = 0;
  private expansion = 0;

  /** Stops at the first broken budget: walking further could cost what the budget prevents. */
  run(root: unknown): void {
    const stack: Frame[] = [{ node: root, depth: 0, exit: false }];
    while (stack.length > 0 && this.problems.length < MAX_PROBLEMS) {
      const frame = stack.pop()!;
      const node = frame.node;
      if (frame.exit) {
        this.leave(node as Node);
        continue;
      }
      if (isAlias(node)) {
        if (!this.alias(node, frame.depth)) return;
        continue;
      }
      if (!this.anchor(node)) return;
      if (isScalar(node)) {
        if (!this.scalar(node.value, offsetOf(node))) return;
        continue;
      }
      if (!isCollection(node)) continue;
      if (frame.depth >= INPUT_BUDGET.flowDepth) {
        this.budget("flowDepth", offsetOf(node), `collections are nested more than ${INPUT_BUDGET.flowDepth} levels deep`);
        return;
      }
      if (isMap(node) && !this.keys(node)) return;
      this.open.add(node);
      stack.push({ node, depth: frame.depth, exit: true });
      const items = children(node);
      for (let i = items.length - 1; i >= 0; i--) stack.push({ node: items[i], depth: frame.depth + 1, exit: false });
    }
  }

  private budget(limit: BudgetLimit, offset: number, message: string): void {
    this.problems.push({ offset, message, limit });
  }

  private anchor(node: unknown): boolean {
    const name = (node as Node | null | undefined)?.anchor;
    if (!name) return true;
    if (++this.anchorCount > INPUT_BUDGET.yamlAnchors) {
      this.budget("yamlAnchors", offsetOf(node), `more than ${INPUT_BUDGET.yamlAnchors} anchors`);
      return false;
    }
    this.anchors.set(name, node as Node);
    return true;
  }

  private alias(alias: Alias, depth: number): boolean {
    const offset = offsetOf(alias);
    if (this.aliases.size >= INPUT_BUDGET.yamlAliases) {
      this.budget("yamlAliases", offset, `more than ${INPUT_BUDGET.yamlAliases} aliases`);
      return false;
    }
    const target = this.anchors.get(alias.source);
    if (!target) {
      this.problems.push({ offset, message: `alias '*${alias.source}' has no anchor '&${alias.source}' before it` });
      return true;
    }
    if (this.open.has(target)) {
      this.problems.push({ offset, message: `alias '*${alias.source}' is inside the value it refers to (a value that contains itself)` });
      return true;
    }
    this.aliases.set(alias, target);
    const measure = this.measureOf(target);
    this.expansion += measure.size - 1;
    if (this.expansion > INPUT_BUDGET.aliasExpansion) {
      this.budget("aliasExpansion", offset, `aliases expand to more than ${INPUT_BUDGET.aliasExpansion} values`);
      return false;
    }
    if (depth + measure.height > INPUT_BUDGET.flowDepth) {
      this.budget("flowDepth", offset, `alias '*${alias.source}' nests its value more than ${INPUT_BUDGET.flowDepth} levels deep`);
      return false;
    }
    return true;
  }

  private scalar(value: unknown, offset: number): boolean {
    if (typeof value !== "string") return true;
    if (value.length > INPUT_BUDGET.flowStringLength) {
      this.budget("flowStringLength", offset, `string is ${value.length} characters long; the limit is ${INPUT_BUDGET.flowStringLength}`);
      return false;
    }
    const problem = textProblem(value);
    if (problem) this.budget("text", offset, `string ${problem}`);
    return problem === undefined;
  }

  /** Keys must be plain scalars, unique, short and storable. */
  private keys(map: YAMLMap): boolean {
    const seen = new Set<string>();
    for (const { key } of map.items) {
      const offset = offsetOf(key, offsetOf(map));
      if (isCollection(key)) {
        this.problems.push({ offset, message: "mapping keys must be plain scalars, not lists or mappings" });
        continue;
      }
      if (isAlias(key)) {
        this.problems.push({ offset, message: "mapping keys must not be aliases" });
        continue;
      }
      const text = String(isScalar(key) ? key.value : key);
      if (text.length > INPUT_BUDGET.flowKeyLength) {
        this.budget("flowKeyLength", offset, `key is ${text.length} characters long; the limit is ${INPUT_BUDGET.flowKeyLength}`);
        return false;
      }
      if (seen.has(text) && text !== "<<") this.problems.push({ offset, message: `duplicate key '${text}'` });
      seen.add(text);
    }
    return true;
  }

  private leave(node: Node): void {
    this.open.delete(node);
    let size = 1;
    let height = 0;
    const add = (child: unknown) => {
      const measure = this.measureOf(child);
      size += measure.size;
      height = Math.max(height, measure.height);
    };
    if (isMap(node)) {
      for (const pair of node.items) {
        add(pair.key);
        add(pair.value);
      }
    } else if (isCollection(node)) {
      for (const item of node.items) add(item);
    }
    this.measures.set(node, { size, height: height + 1 });
  }

  private measureOf(node: unknown): Measure {
    if (isAlias(node)) {
      const target = this.aliases.get(node);
      return target ? this.measureOf(target) : SCALAR;
    }
    return this.measures.get(node as Node) ?? SCALAR;
  }
}

export function checkDocument(doc: Document.Parsed): DocumentCheck {
  const walk = new DocumentWalk();
  walk.run(doc.contents);
  return { problems: walk.problems, aliases: walk.aliases };
}
