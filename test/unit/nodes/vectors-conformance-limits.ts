/**
 * The second half of the vector store conformance suite (see vectors-conformance.ts): dimensions,
 * limits, bad input, nothing half-written, and isolation between accounts and collections.
 */
import { describe, expect, it } from "vitest";
import {
  MAX_CHUNK_TEXT_BYTES,
  MAX_CHUNKS_PER_DOCUMENT,
  MAX_METADATA_BYTES,
  type VectorChunk,
  type VectorLimits,
} from "../../../src/nodes/capabilities/vectors";
import { CORPUS, freshAccount, loadCorpus, type MakeVectors } from "./vectors-conformance";

const one = (vector: number[] = [1, 0, 0, 0], extra: Partial<VectorChunk> = {}): VectorChunk[] => [
  { id: "x1", text: "Some text.", vector, metadata: {}, ...extra },
];

export function vectorConformanceLimits(name: string, make: MakeVectors): void {
  const fresh = async (limits?: Partial<VectorLimits>) => {
    const open = await make(limits);
    const account = freshAccount();
    return { open, account, docs: open(account, "docs") };
  };
  const code = (code: string) => expect.objectContaining({ code, retryable: false });

  describe(`vector store limits and isolation: ${name}`, () => {
    it("a write of other dimensions fails clearly and writes nothing; so does a query", async () => {
      const { docs } = await fresh();
      await loadCorpus(docs);
      const mismatch = expect.objectContaining({
        code: "dimension_mismatch",
        retryable: false,
        details: { collection_dimensions: 4, dimensions: 3 },
        message: expect.stringContaining("4 dimensions, not 3"),
      });
      await expect(docs.upsertDocument("a", one([1, 0, 0]))).rejects.toEqual(mismatch);
      await expect(docs.upsertDocument("new", one([1, 0, 0]))).rejects.toEqual(mismatch);
      await expect(docs.query({ vector: [1, 0, 0] })).rejects.toEqual(mismatch);
      expect(await docs.stats()).toEqual({ documents: 3, chunks: 5, dimensions: 4 });
      expect((await docs.query({ vector: [1, 0, 0, 0], k: 1 }))[0]).toMatchObject({ document_id: "a", id: "a1" });
    });

    it("a failed re-write leaves the document's previous chunks as they were", async () => {
      const { docs } = await fresh();
      await loadCorpus(docs);
      const bad: VectorChunk[] = [
        { id: "n1", text: "New first chunk.", vector: [1, 0, 0, 0] },
        { id: "n2", text: "New second chunk.", vector: [0, 1, 0, 0] },
        { id: "n3", text: "Broken.", vector: [0, 0, Number.NaN, 0] },
      ];
      await expect(docs.upsertDocument("a", bad)).rejects.toEqual(code("invalid_vector"));
      await expect(docs.upsertDocument("a", [bad[0]!, { ...bad[1]!, id: "n1" }])).rejects.toEqual(code("invalid_chunk"));
      expect(await docs.stats()).toEqual({ documents: 3, chunks: 5, dimensions: 4 });
      const matches = await docs.query({ vector: [1, 0, 0, 0], k: 1, filter: { lang: "en" } });
      expect(matches.map((m) => m.id)).toEqual(["a1"]);
    });

    it("refuses chunks outside the limits", async () => {
      const { docs } = await fresh();
      const big = "x".repeat(MAX_CHUNK_TEXT_BYTES - 1) + "é";
      await expect(docs.upsertDocument("d", one(undefined, { text: big }))).rejects.toEqual(code("chunk_too_large"));
      const metadata = { note: "y".repeat(MAX_METADATA_BYTES) };
      await expect(docs.upsertDocument("d", one(undefined, { metadata }))).rejects.toEqual(code("chunk_too_large"));
      const many = Array.from({ length: MAX_CHUNKS_PER_DOCUMENT + 1 }, (_, i) => ({ id: `c${i}`, text: "t", vector: [1, 0] }));
      await expect(docs.upsertDocument("d", many)).rejects.toEqual(code("too_many_chunks"));
      expect(await docs.stats()).toEqual({ documents: 0, chunks: 0, dimensions: null });
    });

    it("refuses vectors with more dimensions than the store takes", async () => {
      const { docs } = await fresh({ maxDimensions: 8 });
      await expect(docs.upsertDocument("d", one(new Array<number>(9).fill(1)))).rejects.toEqual(
        expect.objectContaining({ code: "dimensions_unsupported", details: { max_dimensions: 8 } }),
      );
      await expect(docs.query({ vector: new Array<number>(9).fill(1) })).rejects.toEqual(code("dimensions_unsupported"));
    });

    it("refuses a write past the collection's capacity, counting the chunks it replaces", async () => {
      const { docs } = await fresh({ maxCollectionValues: 5 * 4 });
      await loadCorpus(docs);
      await expect(docs.upsertDocument("d", one())).rejects.toEqual(
        expect.objectContaining({ code: "collection_full", details: { max_values: 20, max_chunks: 5 } }),
      );
      expect(await docs.upsertDocument("c", one())).toEqual({ chunks: 1, replaced: 1 });
    });

    it.for([
      ["no chunks", "d", [], "invalid_chunk"],
      ["a chunk without text", "d", one(undefined, { text: "  " }), "invalid_chunk"],
      ["a chunk without an id", "d", one(undefined, { id: "" }), "invalid_chunk"],
      ["a NUL in the text", "d", one(undefined, { text: "a\u0000b" }), "invalid_chunk"],
      ["metadata that is a list", "d", one(undefined, { metadata: [1] as never }), "invalid_chunk"],
      ["a zero vector", "d", one([0, 0, 0, 0]), "invalid_vector"],
      ["an infinite value", "d", one([1, Number.POSITIVE_INFINITY]), "invalid_vector"],
      ["a value past 32-bit floats", "d", one([1, 1e39]), "invalid_vector"],
      ["chunks of different lengths", "d", [...one([1, 0]), { id: "x2", text: "t", vector: [1, 0, 0] }], "invalid_vector"],
      ["an empty document id", "", one(), "invalid_document_id"],
      ["a document id over 256 bytes", "d".repeat(257), one(), "invalid_document_id"],
    ] as [string, string, VectorChunk[], string][])("refuses %s", async ([, documentId, chunks, expected]) => {
      const { docs } = await fresh();
      await expect(docs.upsertDocument(documentId, chunks)).rejects.toEqual(code(expected));
      expect(await docs.stats()).toEqual({ documents: 0, chunks: 0, dimensions: null });
    });

    it.for([
      ["k of 0", { vector: [1, 0, 0, 0], k: 0 }],
      ["k over 100", { vector: [1, 0, 0, 0], k: 101 }],
      ["an unknown mode", { vector: [1, 0, 0, 0], mode: "fuzzy" }],
      ["a vector query without a vector", { text: "refund" }],
      ["a keyword query without text", { vector: [1, 0, 0, 0], mode: "keyword" }],
      ["a hybrid query without text", { vector: [1, 0, 0, 0], mode: "hybrid" }],
      ["a min_score that is not a number", { vector: [1, 0, 0, 0], minScore: "high" }],
    ] as [string, Record<string, unknown>][])("refuses a query with %s", async ([, query]) => {
      const { docs } = await fresh();
      await loadCorpus(docs);
      await expect(docs.query(query as never)).rejects.toEqual(code("invalid_query"));
    });

    it("refuses collection names outside the rules", async () => {
      const { open, account } = await fresh();
      for (const bad of ["", "a:b", "x".repeat(65), "sp ace"]) {
        expect(() => open(account, bad)).toThrow(expect.objectContaining({ code: "invalid_collection" }));
      }
    });

    it("keeps accounts apart, and the collections of one account", async () => {
      const { open, account, docs } = await fresh();
      await loadCorpus(docs);
      const other = open(freshAccount(), "docs");
      const sibling = open(account, "other");
      for (const collection of [other, sibling]) {
        expect(await collection.stats()).toEqual({ documents: 0, chunks: 0, dimensions: null });
        expect(await collection.query({ vector: [1, 0, 0, 0] })).toEqual([]);
        expect(await collection.delete({ documentId: "a" })).toEqual({ documents: 0, chunks: 0 });
      }
      await other.upsertDocument("a", one([1, 0, 0]));
      expect(await other.stats()).toEqual({ documents: 1, chunks: 1, dimensions: 3 });
      expect(await docs.stats()).toEqual({ documents: 3, chunks: 5, dimensions: 4 });
      expect((await docs.query({ vector: [1, 0, 0, 0], k: 1 }))[0]!.text).toBe(CORPUS.a![0]!.text);
    });
  });
}
