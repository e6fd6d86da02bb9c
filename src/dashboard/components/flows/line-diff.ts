/**
 * A line diff of two texts by longest common subsequence, as `diff` shows it: the lines both keep,
 * the lines only the old one has (removed) and the lines only the new one has (added). Pure, with no
 * DOM, so it is tested on its own (test/unit/dashboard/line-diff.test.ts).
 */

export type DiffLine =
  | { kind: "same"; text: string; oldLine: number; newLine: number }
  | { kind: "removed"; text: string; oldLine: number }
  | { kind: "added"; text: string; newLine: number };

/** What is shown of a diff: changed lines with some context, and the unchanged runs between them folded. */
export type DiffRow = DiffLine | { kind: "skipped"; count: number };

/**
 * Past this many cells of search state (about (changes + 1) × 2 × (lines of both texts), once the common
 * start and end are trimmed) the search would cost too much time and memory in a browser tab; the
 * middle is then shown as removed and added as a whole, which is still a correct diff, only not the
 * shortest.
 */
export const MAX_CELLS = 4_000_000;

/** The lines of a text; a final newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function diffLines(oldText: string, newText: string, maxCells = MAX_CELLS): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }

  const out: DiffLine[] = [];
  for (let i = 0; i < start; i++) out.push({ kind: "same", text: a[i]!, oldLine: i + 1, newLine: i + 1 });
  if (!middle(a, b, start, endA, endB, maxCells, out)) {
    for (let i = start; i < endA; i++) out.push({ kind: "removed", text: a[i]!, oldLine: i + 1 });
    for (let j = start; j < endB; j++) out.push({ kind: "added", text: b[j]!, newLine: j + 1 });
  }
  for (let i = endA, j = endB; i < a.length; i++, j++) out.push({ kind: "same", text: a[i]!, oldLine: i + 1, newLine: j + 1 });
  return out;
}

/**
 * Myers' shortest edit script over a[start..endA) and b[start..endB): the fewest removals and additions,
 * which is the same as keeping a longest common subsequence, in O((N+M)·D) time for D changes. The
 * frontier of every round is kept to walk the path back; false when that would pass `maxCells`.
 */
function middle(a: string[], b: string[], start: number, endA: number, endB: number, maxCells: number, out: DiffLine[]): boolean {
  const n = endA - start;
  const m = endB - start;
  const max = n + m;
  const offset = max + 1;
  // v[offset + k]: the furthest x reached on diagonal k (x - y = k) with the edits made so far.
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let cells = 0;
  search: for (let d = 0; d <= max; d++) {
    cells += v.length;
    if (cells > maxCells) return false;
    trace.push(v);
    v = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[start + x] === b[start + y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) break search;
    }
  }

  const reversed: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const before = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && before[offset + k - 1]! < before[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = before[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      reversed.push({ kind: "same", text: a[start + x]!, oldLine: start + x + 1, newLine: start + y + 1 });
    }
    if (d === 0) break;
    if (x === prevX) reversed.push({ kind: "added", text: b[start + prevY]!, newLine: start + prevY + 1 });
    else reversed.push({ kind: "removed", text: a[start + prevX]!, oldLine: start + prevX + 1 });
    x = prevX;
    y = prevY;
  }
  for (let i = reversed.length - 1; i >= 0; i--) out.push(reversed[i]!);
  return true;
}

/** How many lines a diff adds and removes. */
export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === "added") added++;
    else if (line.kind === "removed") removed++;
  }
  return { added, removed };
}

/**
 * Folds runs of unchanged lines farther than `context` lines from any change into one "skipped" row,
 * so a one-line change in a long flow reads at a glance. A fold of a single line is not worth it.
 */
export function foldUnchanged(lines: DiffLine[], context = 3): DiffRow[] {
  const near = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, index) => {
    if (line.kind === "same") return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++) near[k] = true;
  });
  const rows: DiffRow[] = [];
  let index = 0;
  while (index < lines.length) {
    if (near[index] || lines[index]!.kind !== "same") {
      rows.push(lines[index]!);
      index++;
      continue;
    }
    let end = index;
    while (end < lines.length && !near[end]) end++;
    if (end - index === 1) rows.push(lines[index]!);
    else rows.push({ kind: "skipped", count: end - index });
    index = end;
  }
  return rows;
}
