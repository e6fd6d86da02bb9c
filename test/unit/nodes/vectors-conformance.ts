/**
 * The behaviour every vector store must show (src/nodes/capabilities/vectors.ts). A provider's test file
 * calls `vectorConformance("embedded", make)`; `make(limits)` returns `open(accountId, collection)`,
 * and every test uses accounts of its own, so a provider may share one backend across the suite.
 * The limits, validation and isolation cases are in vectors-conformance-limits.ts.
 */
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/lib/json";
import type { KeyValueFilter } from "../../../src/nodes/capabilities/kv";
import type { VectorChunk, VectorCollection, VectorLimits } from "../../../src/nodes/capabilities/vectors";
import { vectorConformanceLimits } from "./vectors-conformance-limits";

export type OpenCollection = (accountId: string, collection: string) => VectorCollection;
export type MakeVectors = (limits?: Partial<VectorLimits>) => OpenCollection | Promise<OpenCollection>;

let accounts = 0;
/** An account no other test uses. */
export const freshAccount = (): string =>
  `acc_vc${Date.now().toString(36)}${(++accounts).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

const chunk = (id: string, text: string, vector: number[], metadata: JsonObject = {}): VectorChunk => ({ id, text, vector, metadata });

/**
 * Five chunks in three documents, with vectors chosen so the rankings below are known: a question
 * near c1 in vector space names an error code only b1 contains.
 */
export const CORPUS: Record<string, VectorChunk[]> = {
  a: [
    chunk("a1", "The refund policy allows returns within 30 days of delivery.", [1, 0, 0, 0], {
      lang: "en",
      year: 2023,
      tags: ["policy", "refund"],
      source: { kind: "faq", page: 1 },
    }),
    chunk("a2", "Shipping takes five business days; express shipping takes two.", [0.1, 1, 0, 0.05], {
      lang: "en",
      year: 2021,
      tags: ["shipping"],
      source: { kind: "faq", page: 2 },
    }),
  ],
  b: [
    chunk("b1", "Error code ZX9041 means the battery is missing.", [0.1, 0.1, 1, 0], { lang: "en", year: 2024, title: "Errors" }),
    chunk("b2", "Das Rückgaberecht gilt 30 Tage ab Lieferung.", [0.9, 0.1, 0, 0.1], { lang: "de", year: 2022, title: "Rückgabe" }),
  ],
  c: [
    chunk("c1", "Battery care: charge the battery often and keep it cool.", [0, 0.2, 0.9, 0.1], {
      lang: "en",
      year: 2024,
      tags: ["battery"],
    }),
  ],
};

export async function loadCorpus(collection: VectorCollection): Promise<void> {
  for (const [documentId, chunks] of Object.entries(CORPUS)) await collection.upsertDocument(documentId, chunks);
}

const ids = (matches: { document_id: string; id: string }[]) => matches.map((m) => `${m.document_id}/${m.id}`);
const cosine = (a: number[], b: number[]) => {
  const dot = a.reduce((sum, x, i) => sum + x * b[i]!, 0);
  return dot / Math.hypot(...a) / Math.hypot(...b);
};

export function vectorConformance(name: string, make: MakeVectors): void {
  const fresh = async (limits?: Partial<VectorLimits>) => {
    const open = await make(limits);
    const account = freshAccount();
    return { open, account, docs: open(account, "docs") };
  };
  const loaded = async () => {
    const made = await fresh();
    await loadCorpus(made.docs);
    return made;
  };

  describe(`vector store conformance: ${name}`, () => {
    it("an unused collection is empty: no chunks, no dimensions, no matches", async () => {
      const { docs } = await fresh();
      expect(await docs.stats()).toEqual({ documents: 0, chunks: 0, dimensions: null });
      expect(await docs.query({ vector: [1, 0, 0, 0] })).toEqual([]);
      expect(await docs.query({ text: "refund", mode: "keyword" })).toEqual([]);
      expect(await docs.delete({ documentId: "nothing" })).toEqual({ documents: 0, chunks: 0 });
    });

    it("stores documents and counts them; the first write sets the dimensions", async () => {
      const { docs } = await fresh();
      expect(await docs.upsertDocument("a", CORPUS.a!)).toEqual({ chunks: 2, replaced: 0 });
      await docs.upsertDocument("b", CORPUS.b!);
      await docs.upsertDocument("c", CORPUS.c!);
      expect(await docs.stats()).toEqual({ documents: 3, chunks: 5, dimensions: 4 });
    });

    it("vector search: nearest first by cosine similarity, with text, document and metadata", async () => {
      const { docs } = await loaded();
      const matches = await docs.query({ vector: [2, 0, 0, 0], k: 3 });
      expect(ids(matches)).toEqual(["a/a1", "b/b2", "a/a2"]);
      expect(matches[0]).toEqual({
        id: "a1",
        document_id: "a",
        text: CORPUS.a![0]!.text,
        score: expect.closeTo(1, 5),
        metadata: { lang: "en", year: 2023, tags: ["policy", "refund"], source: { kind: "faq", page: 1 } },
      });
      expect(matches[1]!.score).toBeCloseTo(cosine([1, 0, 0, 0], [0.9, 0.1, 0, 0.1]), 5);
      expect(matches[2]!.score).toBeCloseTo(cosine([1, 0, 0, 0], [0.1, 1, 0, 0.05]), 5);
    });

    it("k bounds the matches (5 by default) and min_score drops the weak ones", async () => {
      const { docs } = await loaded();
      expect(await docs.query({ vector: [1, 1, 1, 1] })).toHaveLength(5);
      expect(await docs.query({ vector: [1, 1, 1, 1], k: 2 })).toHaveLength(2);
      const strong = await docs.query({ vector: [1, 0, 0, 0], k: 5, minScore: 0.5 });
      expect(ids(strong)).toEqual(["a/a1", "b/b2"]);
      expect(await docs.query({ vector: [0, 0, 0, 1], minScore: 0.99 })).toEqual([]);
    });

    it("re-writing a document replaces all its chunks", async () => {
      const { docs } = await loaded();
      const result = await docs.upsertDocument("a", [chunk("a9", "Refunds now take 60 days.", [0.7, 0.7, 0, 0], { lang: "en" })]);
      expect(result).toEqual({ chunks: 1, replaced: 2 });
      expect(await docs.stats()).toEqual({ documents: 3, chunks: 4, dimensions: 4 });
      const matches = await docs.query({ vector: [1, 0, 0, 0], k: 5 });
      expect(ids(matches)).toEqual(["b/b2", "a/a9", "b/b1", "c/c1"]);
      expect(ids(await docs.query({ text: "shipping", mode: "keyword" }))).toEqual([]);
    });

    describe("metadata filters (the key-value store's operators)", () => {
      it.for([
        ["implicit $eq", { lang: "de" }, ["b/b2"]],
        ["$eq", { year: { $eq: 2024 } }, ["b/b1", "c/c1"]],
        ["$ne (a missing field is not equal)", { title: { $ne: "Errors" } }, ["a/a1", "a/a2", "b/b2", "c/c1"]],
        ["$gt", { year: { $gt: 2023 } }, ["b/b1", "c/c1"]],
        ["$gte and $lt together", { year: { $gte: 2022, $lt: 2024 } }, ["a/a1", "b/b2"]],
        ["$lte", { year: { $lte: 2021 } }, ["a/a2"]],
        ["strings order by their bytes", { title: { $gt: "F" } }, ["b/b2"]],
        ["$in", { year: { $in: [2021, 2022] } }, ["a/a2", "b/b2"]],
        ["$contains on a list", { tags: { $contains: "battery" } }, ["c/c1"]],
        ["$contains on a string", { title: { $contains: "ück" } }, ["b/b2"]],
        ["a dotted path", { "source.page": 2 }, ["a/a2"]],
        ["an object compared whole", { source: { kind: "faq", page: 1 } }, ["a/a1"]],
        ["a number never matches a string", { year: { $gt: "2000" } }, []],
      ] as [string, KeyValueFilter, string[]][])("%s", async ([, filter, expected]) => {
        const { docs } = await loaded();
        const matches = await docs.query({ vector: [1, 1, 1, 1], k: 10, filter });
        expect(ids(matches).sort()).toEqual(expected);
      });

      it("filters before ranking: k matches come from the chunks that pass", async () => {
        const { docs } = await loaded();
        expect(ids(await docs.query({ vector: [1, 0, 0, 0], k: 1, filter: { lang: "en", year: 2024 } }))).toEqual(["b/b1"]);
        expect(ids(await docs.query({ text: "30 days", mode: "keyword", k: 1, filter: { lang: "de" } }))).toEqual(["b/b2"]);
      });

      it("refuses an unknown operator", async () => {
        const { docs } = await loaded();
        await expect(docs.query({ vector: [1, 0, 0, 0], filter: { year: { $regex: "x" } } })).rejects.toMatchObject({
          code: "invalid_filter",
          retryable: false,
        });
      });
    });

    describe("keyword search", () => {
      it("scores BM25 (k1 1.2, b 0.75) over the words, case and accents aside", async () => {
        const { docs } = await loaded();
        const matches = await docs.query({ text: "RÜCKGABERECHT battery?", mode: "keyword", k: 5 });
        expect(ids(matches)).toEqual(["b/b2", "c/c1", "b/b1"]);
        // Word counts: b1 8, b2 7, c1 10, a1 10, a2 9; 44 in all, 5 chunks. "battery": 2 chunks (twice in c1), "ruckgaberecht": 1.
        const average = 44 / 5;
        const idf = (found: number) => Math.log((5 - found + 0.5) / (found + 0.5));
        const term = (weight: number, tf: number, length: number) => (weight * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * length) / average));
        expect(matches[0]!.score).toBeCloseTo(term(idf(1), 1, 7), 6);
        expect(matches[1]!.score).toBeCloseTo(term(idf(2), 2, 10), 6);
        expect(matches[2]!.score).toBeCloseTo(term(idf(2), 1, 8), 6);
      });

      it("finds nothing for words no chunk has, or a text without words", async () => {
        const { docs } = await loaded();
        expect(await docs.query({ text: "zebra unicorn", mode: "keyword" })).toEqual([]);
        expect(await docs.query({ text: "?! ...", mode: "keyword" })).toEqual([]);
      });
    });

    describe("hybrid search", () => {
      it("fuses the rankings: an exact code in the question beats a nearer vector", async () => {
        const { docs } = await loaded();
        const question = { vector: [0.2, 0.1, 0.75, 0.3], text: "what does error ZX9041 mean" };
        expect(ids(await docs.query({ ...question, mode: "vector", k: 2 }))).toEqual(["c/c1", "b/b1"]);
        const hybrid = await docs.query({ ...question, mode: "hybrid", k: 3 });
        expect(ids(hybrid)).toEqual(["b/b1", "c/c1", "b/b2"]);
        // b1: second by vector, first by keyword; c1: first by vector only. Scaled so that first in both is 1.
        expect(hybrid[0]!.score).toBeCloseTo((1 / 62 + 1 / 61) / (2 / 61), 9);
        expect(hybrid[1]!.score).toBeCloseTo(1 / 61 / (2 / 61), 9);
      });

      it("scores 1 for a chunk first in both rankings, and min_score applies to the fused score", async () => {
        const { docs } = await loaded();
        const matches = await docs.query({ vector: [1, 0, 0, 0], text: "refund policy", mode: "hybrid", minScore: 0.9 });
        expect(ids(matches)).toEqual(["a/a1"]);
        expect(matches[0]!.score).toBeCloseTo(1, 9);
      });
    });

    describe("delete", () => {
      it("by document: its chunks go, the others stay", async () => {
        const { docs } = await loaded();
        expect(await docs.delete({ documentId: "a" })).toEqual({ documents: 1, chunks: 2 });
        expect(await docs.stats()).toEqual({ documents: 2, chunks: 3, dimensions: 4 });
        expect(ids(await docs.query({ vector: [1, 0, 0, 0], k: 10 }))).toEqual(["b/b2", "b/b1", "c/c1"]);
        expect(await docs.query({ text: "refund", mode: "keyword" })).toEqual([]);
      });

      it("by filter: the chunks whose metadata matches, counting the documents they came from", async () => {
        const { docs } = await loaded();
        expect(await docs.delete({ filter: { year: { $gte: 2023 } } })).toEqual({ documents: 3, chunks: 3 });
        expect(await docs.stats()).toEqual({ documents: 2, chunks: 2, dimensions: 4 });
        expect(ids(await docs.query({ vector: [1, 1, 1, 1], k: 10 })).sort()).toEqual(["a/a2", "b/b2"]);
      });

      it("refuses a filter without conditions, rather than emptying the collection", async () => {
        const { docs } = await loaded();
        await expect(docs.delete({ filter: {} })).rejects.toMatchObject({ code: "invalid_filter" });
        expect((await docs.stats()).chunks).toBe(5);
      });

      it("an emptied collection takes the dimensions of its next write", async () => {
        const { docs } = await loaded();
        for (const documentId of Object.keys(CORPUS)) await docs.delete({ documentId });
        expect(await docs.stats()).toEqual({ documents: 0, chunks: 0, dimensions: null });
        await docs.upsertDocument("d", [chunk("d1", "Three dimensions now.", [0, 0, 1])]);
        expect(await docs.stats()).toEqual({ documents: 1, chunks: 1, dimensions: 3 });
        expect(ids(await docs.query({ vector: [0, 1, 1] }))).toEqual(["d/d1"]);
      });
    });
  });

  vectorConformanceLimits(name, make);
}
