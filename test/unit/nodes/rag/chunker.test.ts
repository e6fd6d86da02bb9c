import { describe, expect, it } from "vitest";
import { chunkText, measure } from "../../../../src/nodes/rag/chunker";

const GUIDE = `# Guide

Intro paragraph about the product.

## Refunds

Refunds are accepted within 30 days. Keep the receipt. Items must be unused.

Second refund paragraph: the money comes back to the card you paid with.

## Shipping

\`\`\`
# not a heading: inside a fence

code line two
\`\`\`

Shipping takes five days.
`;

describe("chunkText", () => {
  it("keeps a section whole when it fits, one chunk per section, with its heading trail", () => {
    const chunks = chunkText(GUIDE, { size: 1000 });
    expect(chunks.map((c) => c.headings)).toEqual([["Guide"], ["Guide", "Refunds"], ["Guide", "Shipping"]]);
    expect(chunks[0]!.text).toBe("# Guide\n\nIntro paragraph about the product.");
    expect(chunks[2]!.text).toContain("# not a heading: inside a fence");
  });

  it("splits a long section at paragraphs first, then sentences, never past the size", () => {
    const chunks = chunkText(GUIDE, { size: 80 });
    for (const chunk of chunks) expect(measure(chunk.text, "characters")).toBeLessThanOrEqual(80);
    const refunds = chunks.filter((c) => c.headings.at(-1) === "Refunds").map((c) => c.text);
    expect(refunds).toEqual([
      "## Refunds",
      "Refunds are accepted within 30 days. Keep the receipt. Items must be unused.",
      "Second refund paragraph: the money comes back to the card you paid with.",
    ]);
    const sentences = chunkText("One short sentence here. Another short sentence there. A third one.", { size: 30 }).map((c) => c.text);
    expect(sentences).toEqual(["One short sentence here.", "Another short sentence there.", "A third one."]);
  });

  it("keeps a fenced code block together when it fits, and never reads a heading inside it", () => {
    const chunks = chunkText(GUIDE, { size: 60 });
    expect(chunks.some((c) => c.headings.includes("not a heading: inside a fence"))).toBe(false);
    expect(chunks.find((c) => c.text.startsWith("```"))!.text).toBe("```\n# not a heading: inside a fence\n\ncode line two\n```");
  });

  it("repeats the end of a chunk at the start of the next one of the same section, within the overlap", () => {
    const text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi";
    const chunks = chunkText(text, { size: 30, overlap: 12 }).map((c) => c.text);
    for (const chunk of chunks) expect([...chunk].length).toBeLessThanOrEqual(30);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1]!.split(" ");
      const shared = chunks[i]!.split(" ").filter((word, j) => j < previous.length && previous.slice(-3).includes(word));
      expect(shared.length, `${chunks[i - 1]} | ${chunks[i]}`).toBeGreaterThan(0);
    }
    expect(
      chunks
        .join(" ")
        .split(" ")
        .filter((w, i, all) => all.indexOf(w) === i),
    ).toEqual(text.split(" "));
    // No overlap across a heading.
    const sectioned = chunkText("# A\n\none two three four five six\n\n# B\n\nseven eight", { size: 16, overlap: 8 }).map((c) => c.text);
    expect(sectioned.at(-1)).toBe("# B\n\nseven eight");
    expect(sectioned.at(-2)).toMatch(/six$/);
  });

  it("counts approximate tokens: a word one per 4 characters, punctuation and CJK characters one each", () => {
    expect(measure("hello", "tokens")).toBe(2);
    expect(measure("the cat sat.", "tokens")).toBe(4);
    expect(measure("internationalization", "tokens")).toBe(5);
    expect(measure("日本語", "tokens")).toBe(3);
    const chunks = chunkText("word ".repeat(100), { size: 10, unit: "tokens" });
    expect(chunks).toHaveLength(10);
    for (const chunk of chunks) expect(measure(chunk.text, "tokens")).toBeLessThanOrEqual(10);
  });

  it("cuts a word longer than the size by characters, counting code points", () => {
    const chunks = chunkText(`${"é".repeat(25)} 😀😀😀`, { size: 10 }).map((c) => c.text);
    expect(chunks).toEqual(["é".repeat(10), "é".repeat(10), `${"é".repeat(5)} 😀😀😀`]);
  });

  it("splits CJK text at its sentence ends", () => {
    expect(chunkText("今日は晴れです。明日は雨です。", { size: 8 }).map((c) => c.text)).toEqual(["今日は晴れです。", "明日は雨です。"]);
  });

  it("gives nothing for blank text and refuses impossible sizes", () => {
    expect(chunkText(" \n\n ", { size: 10 })).toEqual([]);
    for (const options of [
      { size: 0 },
      { size: 10, overlap: 10 },
      { size: 10, overlap: -1 },
      { size: 1.5 },
      { size: 10, unit: "words" as never },
    ]) {
      expect(() => chunkText("text", options), JSON.stringify(options)).toThrow(expect.objectContaining({ code: "invalid_chunking" }));
    }
  });
});
