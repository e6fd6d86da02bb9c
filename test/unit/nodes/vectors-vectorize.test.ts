/**
 * The Vectorize adapter's request mapping, against a fake binding that checks every call's shape as
 * Cloudflare documents the Vectorize API (V2 binding: ids of at most 64 bytes, values of the index's
 * dimensions, namespaces of at most 64 bytes, metadata of at most 10 KiB with Vectorize's key rules,
 * topK at most 20 with metadata, batches of at most 1,000, the filter operators it has) and refuses a
 * malformed one, and otherwise answers as an index with the cosine metric would (applying writes at
 * once, where Vectorize takes a few seconds).
 */
import { describe, expect, it } from "vitest";
import { matchesFilter } from "../../../src/nodes/capabilities/kv-query";
import { vectorizeCollection, type VectorizeBinding, type VectorizeFilter } from "../../../src/nodes/capabilities/vectors-vectorize";
import { CORPUS, loadCorpus } from "./vectors-conformance";

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;
const FILTER_OPS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"]);

interface Stored {
  values: number[];
  namespace: string;
  metadata: Record<string, unknown>;
}

function fakeVectorize(dimensions: number) {
  const vectors = new Map<string, Stored>();
  const calls: { method: string; args: unknown[] }[] = [];
  const reject = (message: string): never => {
    throw new Error(`VECTOR_INVALID: ${message}`);
  };
  const checkIds = (ids: string[]) => {
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000) reject("ids: 1 to 1000");
    for (const id of ids) if (typeof id !== "string" || id === "" || bytes(id) > 64) reject(`id '${id}' over 64 bytes`);
  };
  const checkVector = (values: number[]) => {
    if (!Array.isArray(values) || values.length !== dimensions || !values.every(Number.isFinite))
      reject(`values must be ${dimensions} numbers`);
  };
  const checkNamespace = (namespace: string) => {
    if (typeof namespace !== "string" || namespace === "" || bytes(namespace) > 64) reject("namespace: 1 to 64 bytes");
  };
  const checkMetadata = (metadata: Record<string, unknown>) => {
    if (bytes(JSON.stringify(metadata)) > 10 * 1024) reject("metadata over 10 KiB");
    for (const [key, value] of Object.entries(metadata)) {
      if (key === "" || key.includes(".") || key.includes('"') || key.startsWith("$")) reject(`metadata key '${key}'`);
      const scalar = (v: unknown) => ["string", "number", "boolean"].includes(typeof v);
      const ok =
        scalar(value) ||
        (Array.isArray(value) && value.every((v) => typeof v === "string")) ||
        (typeof value === "object" && value !== null && Object.values(value).every((v) => scalar(v) || Array.isArray(v)));
      if (!ok) reject(`metadata value of '${key}'`);
    }
  };
  const checkFilter = (filter: VectorizeFilter) => {
    if (Object.keys(filter).length === 0) reject("filter must not be empty");
    for (const [field, spec] of Object.entries(filter)) {
      if (spec === null || typeof spec !== "object") continue;
      for (const [op, operand] of Object.entries(spec)) {
        if (!FILTER_OPS.has(op)) reject(`filter operator ${op} on ${field}`);
        if ((op === "$in" || op === "$nin") !== Array.isArray(operand)) reject(`filter operand of ${op} on ${field}`);
      }
    }
  };
  const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);

  const binding: VectorizeBinding = {
    async describe() {
      calls.push({ method: "describe", args: [] });
      return { dimensions, vectorCount: vectors.size };
    },
    async upsert(batch) {
      calls.push({ method: "upsert", args: [structuredClone(batch)] });
      if (!Array.isArray(batch) || batch.length === 0 || batch.length > 1000) reject("upsert: 1 to 1000 vectors");
      checkIds(batch.map((v) => v.id));
      for (const vector of batch) {
        checkVector(vector.values);
        checkNamespace(vector.namespace);
        checkMetadata(vector.metadata);
      }
      for (const vector of batch) vectors.set(vector.id, { values: vector.values, namespace: vector.namespace, metadata: vector.metadata });
      return { mutationId: `m${calls.length}` };
    },
    async query(vector, options) {
      calls.push({ method: "query", args: [vector, structuredClone(options)] });
      checkVector(vector);
      checkNamespace(options.namespace);
      const max = options.returnValues || options.returnMetadata === "all" ? 20 : 100;
      if (!Number.isInteger(options.topK) || options.topK < 1 || options.topK > max) reject(`topK 1 to ${max}`);
      if (options.filter !== undefined) checkFilter(options.filter);
      // The filter in Vectorize's operators, read here with the store's own evaluator ($nin unused).
      const filter = Object.entries(options.filter ?? {}).flatMap(([field, spec]) =>
        Object.entries(spec !== null && typeof spec === "object" ? spec : { $eq: spec }).map(([op, operand]) => ({
          path: field.split("."),
          op: op as "$eq",
          operand: operand as never,
        })),
      );
      const matches = [...vectors.entries()]
        .filter(([, stored]) => stored.namespace === options.namespace && matchesFilter(filter, stored.metadata as never))
        .map(([id, stored]) => ({ id, score: cosine(vector, stored.values), metadata: structuredClone(stored.metadata) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, options.topK);
      return { matches, count: matches.length };
    },
    async getByIds(ids) {
      calls.push({ method: "getByIds", args: [ids] });
      checkIds(ids);
      return ids.flatMap((id) => (vectors.has(id) ? [{ id, metadata: structuredClone(vectors.get(id)!.metadata) }] : []));
    },
    async deleteByIds(ids) {
      calls.push({ method: "deleteByIds", args: [ids] });
      checkIds(ids);
      for (const id of ids) vectors.delete(id);
      return { mutationId: `m${calls.length}` };
    },
  };
  return { binding, vectors, calls };
}

const ofMethod = (calls: { method: string; args: unknown[] }[], method: string) => calls.filter((c) => c.method === method);

describe("Vectorize adapter", () => {
  it("writes a document as one vector per chunk: short hashed ids, the collection's namespace, the chunk in the metadata", async () => {
    const fake = fakeVectorize(4);
    const docs = vectorizeCollection(fake.binding, "acc_1", "docs");
    await loadCorpus(docs);
    const [first] = ofMethod(fake.calls, "upsert");
    const batch = first!.args[0] as { id: string; values: number[]; namespace: string; metadata: Record<string, unknown> }[];
    expect(batch).toHaveLength(2);
    expect(batch[0]!.id).toMatch(/^[0-9a-f]{32}-0$/);
    expect(batch[1]!.id).toBe(batch[0]!.id.replace(/-0$/, "-1"));
    expect(batch[0]!.namespace).toMatch(/^[0-9a-f]{32}$/);
    expect(batch[0]!.values).toEqual([1, 0, 0, 0]);
    expect(batch[0]!.metadata).toEqual({
      ...CORPUS.a![0]!.metadata,
      fr_document: "a",
      fr_chunk: "a1",
      fr_text: CORPUS.a![0]!.text,
      fr_count: 2,
    });
    expect(batch[1]!.metadata).not.toHaveProperty("fr_count");
    expect(fake.vectors.size).toBe(5);
  });

  it("re-writing a document deletes the positions past its new last chunk, and reports what it replaced", async () => {
    const fake = fakeVectorize(4);
    const docs = vectorizeCollection(fake.binding, "acc_1", "docs");
    await loadCorpus(docs);
    expect(await docs.upsertDocument("a", [{ id: "a9", text: "One chunk now.", vector: [0, 0, 0, 1] }])).toEqual({
      chunks: 1,
      replaced: 2,
    });
    expect(fake.vectors.size).toBe(4);
    const deletes = ofMethod(fake.calls, "deleteByIds").at(-1)!.args[0] as string[];
    expect(deletes).toHaveLength(999);
    expect(deletes[0]).toMatch(/-1$/);
    expect(deletes.at(-1)).toMatch(/-999$/);
  });

  it("queries the collection's namespace for topK with all metadata, mapping the filter, and maps the matches back", async () => {
    const fake = fakeVectorize(4);
    const docs = vectorizeCollection(fake.binding, "acc_1", "docs");
    await loadCorpus(docs);
    const matches = await docs.query({
      vector: [1, 0, 0, 0],
      k: 2,
      filter: { lang: "en", year: { $gte: 2021, $lt: 2024 }, "source.page": { $in: [1, 2] } },
    });
    const [vector, options] = ofMethod(fake.calls, "query")[0]!.args as [number[], Record<string, unknown>];
    expect(vector).toEqual([1, 0, 0, 0]);
    expect(options).toEqual({
      topK: 2,
      namespace: (ofMethod(fake.calls, "upsert")[0]!.args[0] as { namespace: string }[])[0]!.namespace,
      returnValues: false,
      returnMetadata: "all",
      filter: { lang: { $eq: "en" }, year: { $gte: 2021, $lt: 2024 }, "source.page": { $in: [1, 2] } },
    });
    expect(matches.map((m) => m.id)).toEqual(["a1", "a2"]);
    expect(matches[0]).toEqual({
      id: "a1",
      document_id: "a",
      text: CORPUS.a![0]!.text,
      score: expect.closeTo(1, 6),
      metadata: CORPUS.a![0]!.metadata,
    });
    expect(await docs.query({ vector: [1, 0, 0, 0], minScore: 0.95 })).toHaveLength(2);
  });

  it("keeps accounts and collections apart through their namespaces", async () => {
    const fake = fakeVectorize(4);
    await loadCorpus(vectorizeCollection(fake.binding, "acc_1", "docs"));
    expect(await vectorizeCollection(fake.binding, "acc_2", "docs").query({ vector: [1, 0, 0, 0] })).toEqual([]);
    expect(await vectorizeCollection(fake.binding, "acc_1", "other").query({ vector: [1, 0, 0, 0] })).toEqual([]);
    // The same document id in another collection is another vector.
    await vectorizeCollection(fake.binding, "acc_2", "docs").upsertDocument("a", [{ id: "x", text: "t", vector: [1, 1, 0, 0] }]);
    expect(fake.vectors.size).toBe(6);
  });

  it("deletes a document by its ids; what Vectorize cannot do fails as not_supported before any call", async () => {
    const fake = fakeVectorize(4);
    const docs = vectorizeCollection(fake.binding, "acc_1", "docs");
    await loadCorpus(docs);
    expect(await docs.delete({ documentId: "a" })).toEqual({ documents: 1, chunks: 2 });
    expect(fake.vectors.size).toBe(3);
    const before = fake.calls.length;
    const unsupported = expect.objectContaining({ code: "not_supported", retryable: false });
    await expect(docs.query({ text: "refund", mode: "keyword" })).rejects.toEqual(unsupported);
    await expect(docs.query({ vector: [1, 0, 0, 0], text: "refund", mode: "hybrid" })).rejects.toEqual(unsupported);
    await expect(docs.query({ vector: [1, 0, 0, 0], filter: { tags: { $contains: "refund" } } })).rejects.toEqual(unsupported);
    await expect(docs.query({ vector: [1, 0, 0, 0], filter: { source: { kind: "faq", page: 1 } } })).rejects.toEqual(unsupported);
    await expect(docs.query({ vector: [1, 0, 0, 0], k: 21 })).rejects.toEqual(unsupported);
    await expect(docs.delete({ filter: { lang: "en" } })).rejects.toEqual(unsupported);
    await expect(docs.stats()).rejects.toEqual(unsupported);
    expect(fake.calls.length).toBe(before);
  });

  it("refuses what the index cannot hold: other dimensions, more than 1,536, metadata Vectorize cannot store or filter", async () => {
    const fake = fakeVectorize(4);
    const docs = vectorizeCollection(fake.binding, "acc_1", "docs");
    await expect(docs.upsertDocument("d", [{ id: "c", text: "t", vector: [1, 0, 0] }])).rejects.toMatchObject({
      code: "dimension_mismatch",
      details: { collection_dimensions: 4, dimensions: 3 },
    });
    await expect(docs.query({ vector: [1, 0, 0] })).rejects.toMatchObject({ code: "dimension_mismatch" });
    await expect(docs.upsertDocument("d", [{ id: "c", text: "t", vector: new Array<number>(1537).fill(1) }])).rejects.toMatchObject({
      code: "dimensions_unsupported",
    });
    const chunk = (metadata: Record<string, unknown>, text = "t") => [{ id: "c", text, vector: [1, 0, 0, 0], metadata: metadata as never }];
    for (const metadata of [{ "a.b": 1 }, { $x: 1 }, { fr_text: "mine" }, { list: [1, 2] }, { deep: { deeper: { x: 1 } } }, { n: null }]) {
      await expect(docs.upsertDocument("d", chunk(metadata)), JSON.stringify(metadata)).rejects.toMatchObject({ code: "invalid_chunk" });
    }
    await expect(docs.upsertDocument("d", chunk({}, "x".repeat(11 * 1024)))).rejects.toMatchObject({ code: "chunk_too_large" });
    expect(ofMethod(fake.calls, "upsert")).toHaveLength(0);
    expect(await docs.upsertDocument("d", chunk({ tags: ["a", "b"], author: { name: "Ann", verified: true } }))).toEqual({
      chunks: 1,
      replaced: 0,
    });
  });
});
