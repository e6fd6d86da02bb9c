/**
 * The embedded vector collection's SQLite core passes the conformance suite: each call runs inside a
 * real VectorObject (runInDurableObject) with the suite's limits, through the same client `ctx.vectors`
 * uses (metadata as JSON text, failures as data turned back into NodeErrors). Then what only a real
 * object can show: a write that fails part-way inside SQLite leaves nothing of itself, and the object
 * behind the Worker's binding answers as the port says.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_VECTOR_LIMITS, type VectorLimits } from "../../../src/nodes/capabilities/vectors";
import { answer } from "../../../src/objects/store/core";
import { VectorCore } from "../../../src/objects/vectors/core";
import { vectorsStub } from "../../../src/objects/vectors/rpc";
import type { StoreAnswer } from "../../../src/services/store-rpc";
import { remoteVectorCollection } from "../../../src/services/vectors-client";
import type { VectorsRpc } from "../../../src/services/vectors-rpc";
import { CORPUS, freshAccount, loadCorpus, vectorConformance } from "../../unit/nodes/vectors-conformance";

/** The object's core, with these limits and (for a test) a different `sql`, behind the RPC surface. */
function coreRpc(
  name: string,
  limits: VectorLimits,
  { wrapSql = (sql: SqlStorage) => sql, cacheValues }: { wrapSql?: (sql: SqlStorage) => SqlStorage; cacheValues?: number } = {},
): VectorsRpc {
  const stub = env.VECTORS.get(env.VECTORS.idFromName(name));
  const call = <T>(work: (core: VectorCore) => T): Promise<StoreAnswer<T>> =>
    runInDurableObject(stub, (_object, state) =>
      answer(() => work(new VectorCore(wrapSql(state.storage.sql), (fn) => state.storage.transactionSync(fn), limits, cacheValues))),
    );
  return {
    upsert: (documentId, chunks) => call((core) => core.upsert(documentId, chunks)),
    query: (query) => call((core) => core.query(query)),
    remove: (documentId, filter) => call((core) => core.remove(documentId, filter)),
    stats: () => call((core) => core.stats()),
  };
}

vectorConformance("embedded (Durable Object SQLite), vectors scanned in memory", (limits) => {
  const settings = { ...DEFAULT_VECTOR_LIMITS, ...limits };
  return (accountId, collection) => remoteVectorCollection(collection, () => coreRpc(`${accountId}:${collection}`, settings));
});

// A collection over the memory budget is scanned from SQLite at each query: the same answers.
vectorConformance("embedded (Durable Object SQLite), vectors scanned from SQLite", (limits) => {
  const settings = { ...DEFAULT_VECTOR_LIMITS, ...limits };
  return (accountId, collection) =>
    remoteVectorCollection(collection, () => coreRpc(`${accountId}:${collection}`, settings, { cacheValues: 0 }));
});

describe("embedded vector collection", () => {
  it("a write that fails inside SQLite part-way is rolled back whole: the old chunks stay, none of the new", async () => {
    const name = `${freshAccount()}:docs`;
    const docs = remoteVectorCollection("docs", () => coreRpc(name, DEFAULT_VECTOR_LIMITS));
    await loadCorpus(docs);
    // The third statement that writes a vector fails, after the old chunks were deleted and two new ones written.
    let vectorWrites = 0;
    const failing = (sql: SqlStorage): SqlStorage =>
      new Proxy(sql, {
        get(target, property) {
          if (property !== "exec") return Reflect.get(target, property) as unknown;
          return (query: string, ...bindings: SqlStorageValue[]) => {
            if (query.startsWith("INSERT INTO vectors") && ++vectorWrites === 3) throw new Error("disk I/O error");
            return target.exec(query, ...bindings);
          };
        },
      });
    const broken = remoteVectorCollection("docs", () => coreRpc(name, DEFAULT_VECTOR_LIMITS, { wrapSql: failing }));
    const chunks = [1, 2, 3].map((n) => ({ id: `n${n}`, text: `New chunk ${n} about refunds.`, vector: [1, n, 0, 0] }));
    await expect(broken.upsertDocument("a", chunks)).rejects.toThrow("disk I/O error");
    expect(vectorWrites).toBe(3);
    expect(await docs.stats()).toEqual({ documents: 3, chunks: 5, dimensions: 4 });
    const refunds = await docs.query({ text: "refund chunk", mode: "keyword", k: 10 });
    expect(refunds.map((m) => m.id)).toEqual(["a1"]);
    expect((await docs.query({ vector: [1, 0, 0, 0], k: 1 }))[0]).toMatchObject({ id: "a1", text: CORPUS.a![0]!.text });
  });

  it("the VectorObject behind the VECTORS binding: one object per account and collection", async () => {
    const account = freshAccount();
    const docs = remoteVectorCollection("docs", () => vectorsStub(env.VECTORS, account, "docs"));
    await loadCorpus(docs);
    expect(await docs.stats()).toEqual({ documents: 3, chunks: 5, dimensions: 4 });
    const hybrid = await docs.query({ vector: [0.2, 0.1, 0.75, 0.3], text: "error ZX9041", mode: "hybrid", k: 1, filter: { lang: "en" } });
    expect(hybrid.map((m) => [m.document_id, m.id])).toEqual([["b", "b1"]]);
    expect(hybrid[0]!.metadata).toEqual({ lang: "en", year: 2024, title: "Errors" });
    await expect(docs.upsertDocument("x", [{ id: "x", text: "t", vector: [1, 2] }])).rejects.toMatchObject({ code: "dimension_mismatch" });
    // The object keeps its vectors in memory between queries: every write must show in the next one.
    expect((await docs.query({ vector: [0, 0, 0, 1], k: 1 }))[0]!.id).toBe("b2");
    await docs.upsertDocument("a", [{ id: "a9", text: "Now pointing elsewhere.", vector: [0, 0, 0, 1] }]);
    expect((await docs.query({ vector: [0, 0, 0, 1], k: 1 }))[0]!.id).toBe("a9");
    await docs.delete({ documentId: "a" });
    expect((await docs.query({ vector: [0, 0, 0, 1], k: 1 }))[0]!.id).toBe("b2");
    const other = remoteVectorCollection("docs", () => vectorsStub(env.VECTORS, freshAccount(), "docs"));
    expect(await other.stats()).toEqual({ documents: 0, chunks: 0, dimensions: null });
  });
});
