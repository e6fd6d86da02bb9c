/**
 * "Did you mean" suggestions. Typos in node ids, param names and type names
 * are the most common authoring mistake, so every "unknown X" message offers
 * the closest known spelling when one is plausibly what was meant.
 */

import { INPUT_BUDGET } from "../input-budget";

/**
 * Edit-distance cells a run of suggestions may still spend. Candidate lists a
 * flow controls (its node ids) take one per validation: a flow can hold many
 * bad references to many long ids, and every hint costs length × length per
 * candidate (4,000 such references once took 7 s).
 */
export interface SuggestionBudget {
  cells: number;
}

export const suggestionBudget = (cells: number = INPUT_BUDGET.suggestionCells): SuggestionBudget => ({ cells });

/** No typo is plausibly meant past this length; longer names get no hint. */
const MAX_SUGGESTED_LENGTH = 64;

/**
 * Edit distance counting a swap of neighbours as one edit (optimal string
 * alignment): "wiat" is one edit from "wait", as a typist would count it.
 * Gives up (returns limit + 1) as soon as the distance must exceed `limit`,
 * or when the budget runs out.
 */
function distance(a: string, b: string, limit: number, budget: SuggestionBudget | undefined): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    if (budget && (budget.cells -= b.length) < 0) return limit + 1;
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      row.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate, or undefined when none is close enough to be a typo
 * (or the budget, when given, is spent).
 */
export function closest(name: string, candidates: Iterable<string>, budget?: SuggestionBudget): string | undefined {
  if (name.length > MAX_SUGGESTED_LENGTH) return undefined;
  const lower = name.toLowerCase();
  // Up to a third of the word may be wrong, but always allow one edit.
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    // Every candidate looked at costs, not only the cells of its distance; a
    // spent budget keeps the best found so far (still a plausible typo).
    if (budget && (budget.cells -= candidate.length + 1) <= 0) return best;
    const other = candidate.toLowerCase();
    if (other === lower) return candidate;
    // Only a closer candidate matters now, so the distance may give up sooner.
    const d = distance(lower, other, bestDistance - 1, budget);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** " (did you mean 'x'?)" or "". */
export function didYouMean(name: string, candidates: Iterable<string>, budget?: SuggestionBudget): string {
  const match = closest(name, candidates, budget);
  return match === undefined ? "" : ` (did you mean '${match}'?)`;
}

/** 'a', 'b' and 'c' */
export function quoteList(items: readonly string[], conjunction = "and"): string {
  const quoted = items.map((item) => `'${item}'`);
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} ${conjunction} ${quoted[quoted.length - 1]}`;
}

/** Short JSON-ish rendering of a value for messages, never longer than ~40 chars. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The YAML-level kind of a parsed value, for "expected X, got Y" messages. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "mapping";
  return typeof value;
}
