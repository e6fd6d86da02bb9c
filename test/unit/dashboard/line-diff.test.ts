import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffLines, diffStats, foldUnchanged, splitLines, type DiffLine } from "../../../src/dashboard/components/flows/line-diff";

/** The diff as `diff -u` would print its lines: " same", "-removed", "+added". */
const show = (lines: DiffLine[]) => lines.map((l) => `${l.kind === "same" ? " " : l.kind === "added" ? "+" : "-"}${l.text}`);

/** Longest common subsequence length the slow, obvious way, to check the diff keeps as many lines. */
function lcsLength(a: string[], b: string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      table[i]![j] = a[i - 1] === b[j - 1] ? table[i - 1]![j - 1]! + 1 : Math.max(table[i - 1]![j]!, table[i]![j - 1]!);
    }
  }
  return table[a.length]![b.length]!;
}

describe("splitLines", () => {
  it("splits on every kind of line break and ignores a final newline", () => {
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a")).toEqual(["a"]);
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\r\nb\rc")).toEqual(["a", "b", "c"]);
    expect(splitLines("a\n\n")).toEqual(["a", ""]);
  });
});

describe("diffLines", () => {
  it("shows a changed line as removed then added, with line numbers on both sides", () => {
    const lines = diffLines("name: a\ntype: http\nnext: b\n", "name: a\ntype: transform\nnext: b\n");
    expect(show(lines)).toEqual([" name: a", "-type: http", "+type: transform", " next: b"]);
    expect(lines[1]).toEqual({ kind: "removed", text: "type: http", oldLine: 2 });
    expect(lines[2]).toEqual({ kind: "added", text: "type: transform", newLine: 2 });
    expect(lines[3]).toEqual({ kind: "same", text: "next: b", oldLine: 3, newLine: 3 });
  });

  it("finds lines inserted and deleted in the middle", () => {
    expect(show(diffLines("a\nb\nc\nd", "a\nc\nx\nd"))).toEqual([" a", "-b", " c", "+x", " d"]);
    expect(show(diffLines("", "a\nb"))).toEqual(["+a", "+b"]);
    expect(show(diffLines("a\nb", ""))).toEqual(["-a", "-b"]);
    expect(show(diffLines("same\n", "same"))).toEqual([" same"]);
  });

  it("numbers the lines after a change by their own side", () => {
    const lines = diffLines("a\nb\nc", "x\ny\na\nc");
    expect(lines.filter((l) => l.kind === "same")).toEqual([
      { kind: "same", text: "a", oldLine: 1, newLine: 3 },
      { kind: "same", text: "c", oldLine: 3, newLine: 4 },
    ]);
    expect(diffStats(lines)).toEqual({ added: 2, removed: 1 });
  });

  it("rebuilds both texts and keeps a longest common subsequence, for any pair", () => {
    const text = fc.array(fc.constantFrom("a", "b", "c", "d", ""), { maxLength: 14 }).map((lines) => lines.join("\n"));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const lines = diffLines(before, after);
        expect(lines.filter((l) => l.kind !== "added").map((l) => l.text)).toEqual(splitLines(before));
        expect(lines.filter((l) => l.kind !== "removed").map((l) => l.text)).toEqual(splitLines(after));
        expect(lines.filter((l) => l.kind === "same").length).toBe(lcsLength(splitLines(before), splitLines(after)));
        const old = lines.filter((l) => l.kind !== "added").map((l) => (l as { oldLine: number }).oldLine);
        expect(old).toEqual(old.map((_, i) => i + 1));
      }),
      { numRuns: 300 },
    );
  });

  it("stays correct, if not shortest, past the size it computes exactly", () => {
    const lines = diffLines("a\nb\nc\nd", "a\nc\nb\nd", 1);
    expect(show(lines)).toEqual([" a", "-b", "-c", "+c", "+b", " d"]);
  });

  it("diffs two 3,000-line flows with a few changes quickly", () => {
    const before = Array.from({ length: 3000 }, (_, i) => `line ${i}`);
    const after = [...before];
    after[10] = "changed";
    after.splice(2000, 1);
    after.push("appended");
    const started = performance.now();
    const stats = diffStats(diffLines(before.join("\n"), after.join("\n")));
    expect(stats).toEqual({ added: 2, removed: 2 });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("foldUnchanged", () => {
  it("keeps three lines of context around each change and folds the rest", () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join("\n");
    const after = before.replace("l10", "ten");
    const rows = foldUnchanged(diffLines(before, after));
    expect(rows[0]).toEqual({ kind: "skipped", count: 6 });
    expect(rows.slice(1, 9).map((r) => ("text" in r ? r.text : "…"))).toEqual(["l7", "l8", "l9", "l10", "ten", "l11", "l12", "l13"]);
    expect(rows[9]).toEqual({ kind: "skipped", count: 7 });
    expect(rows).toHaveLength(10);
  });

  it("does not fold a single line, nor anything when nothing changed nearby", () => {
    const rows = foldUnchanged(diffLines("a\nb\nc\nd\ne", "a\nb\nc\nd\nE"), 3);
    expect(rows.map((r) => r.kind)).toEqual(["same", "same", "same", "same", "removed", "added"]);
    expect(foldUnchanged(diffLines("a\nb", "a\nb"))).toEqual([{ kind: "skipped", count: 2 }]);
  });
});
