/**
 * The pgvector store against a real pgvector: PGlite's `vector` extension served over the wire
 * (scripts/pgvector-local.mjs), reached from workerd through the run's WebSocket relay as any
 * PostgreSQL that is not Neon (test/storage-setup.ts). The conformance suite, the query plans (the
 * HNSW index serves the nearest-first ORDER BY), a write that fails inside its transaction, and
 * parity with the embedded store on one corpus.
 */
import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { PostgresRoute } from "../../../src/nodes/capabilities/postgres";
import type { VectorQuery } from "../../../src/nodes/capabilities/vectors";
import { vectorsStub } from "../../../src/objects/vectors/rpc";
import { withSession, type Session } from "../../../src/nodes/postgres/session";
import { pgvectorCollection, PGVECTOR_LIMITS, type OpenSession } from "../../../src/nodes/postgres/vectors";
import { nearestSql, REGISTRY } from "../../../src/nodes/postgres/vectors-sql";
import { remoteVectorCollection } from "../../../src/services/vectors-client";
import { CORPUS, freshAccount, loadCorpus, vectorConformance } from "../../unit/nodes/vectors-conformance";

const { url, wsProxy } = inject("storageServices").pgvector;
const route: PostgresRoute = { kind: "relay", hostname: "127.0.0.1", proxy: wsProxy };
const open: OpenSession = (work) => withSession(route, url, 30_000, new AbortController().signal, work);
const sql = (text: string, values: unknown[] = []) => open((session) => session.run({ text, values }));

vectorConformance(
  "pgvector (PGlite)",
  (limits) => (accountId, collection) => pgvectorCollection(accountId, collection, open, { ...PGVECTOR_LIMITS, ...limits }),
);

/** The collection's table, from the registry. */
const tableOf = async (accountId: string) =>
  ((await sql(`SELECT table_name FROM ${REGISTRY} WHERE account_id = $1`, [accountId])).rows[0] as { table_name: string }).table_name;

const plan = async (text: string, values: unknown[]) => {
  const rows = await open(async (session) => {
    await session.run({ text: "SET enable_seqscan = off", values: [] });
    return (await session.run({ text: `EXPLAIN ${text}`, values })).rows;
  });
  return (rows as { "QUERY PLAN": string }[]).map((row) => row["QUERY PLAN"]).join("\n");
};

describe("pgvector store", () => {
  it("the nearest-first query is served by the HNSW index (EXPLAIN); a query ordered by score is not", async () => {
    const account = freshAccount();
    const docs = pgvectorCollection(account, "docs", open);
    await loadCorpus(docs);
    const table = await tableOf(account);
    const nearest = nearestSql(table, [1, 0, 0, 0], 10, []);
    expect(await plan(nearest.text, nearest.values)).toMatch(
      new RegExp(`Index Scan using ${table}_embedding on ${table}[\\s\\S]*Order By: \\(embedding <=>`),
    );
    const filtered = nearestSql(table, [1, 0, 0, 0], 10, [{ path: ["lang"], op: "$eq", operand: "en" }]);
    expect(await plan(filtered.text, filtered.values)).toContain(`Index Scan using ${table}_embedding`);
    // The same ranking written the other way round cannot use the index: the test would see it.
    const byScore = `SELECT chunk_id FROM ${table} ORDER BY 1 - (embedding <=> $1::vector) DESC LIMIT 10`;
    expect(await plan(byScore, ["[1,0,0,0]"])).not.toContain("Index Scan");
    // The keyword side finds its chunks through the GIN index on the words.
    expect(await plan(`SELECT chunk_id FROM ${table} WHERE words @@ $1::tsquery`, ["'battery'"])).toContain(`${table}_words`);
  });

  it("a write that fails inside its transaction is rolled back: the document keeps its chunks, the totals hold", async () => {
    const account = freshAccount();
    await loadCorpus(pgvectorCollection(account, "docs", open));
    // The INSERT of the new chunks fails after the DELETE of the old ones, inside the transaction.
    const failing: OpenSession = (work) =>
      open((session) => {
        const broken: Session = {
          run: (statement) =>
            statement.text.startsWith("INSERT INTO flowrunner_vectors_")
              ? Promise.reject(new Error("connection lost"))
              : session.run(statement),
        };
        return work(broken);
      });
    const chunks = [{ id: "n1", text: "New refund rules.", vector: [1, 0, 0, 0] }];
    await expect(pgvectorCollection(account, "docs", failing).upsertDocument("a", chunks)).rejects.toThrow("connection lost");
    const docs = pgvectorCollection(account, "docs", open);
    expect(await docs.stats()).toEqual({ documents: 3, chunks: 5, dimensions: 4 });
    expect((await docs.query({ text: "refund", mode: "keyword" })).map((m) => m.id)).toEqual(["a1"]);
    expect((await sql(`SELECT chunks::int, terms::int FROM ${REGISTRY} WHERE account_id = $1`, [account])).rows).toEqual([
      { chunks: 5, terms: 44 },
    ]);
  });

  it("refuses more than 2,000 dimensions, the most an HNSW index on vector takes", async () => {
    const docs = pgvectorCollection(freshAccount(), "docs", open);
    await expect(docs.upsertDocument("d", [{ id: "c", text: "t", vector: new Array<number>(2001).fill(1) }])).rejects.toMatchObject({
      code: "dimensions_unsupported",
    });
  });

  it("gives the same top results as the embedded store on the same corpus", async () => {
    const account = freshAccount();
    const pg = pgvectorCollection(account, "docs", open);
    const embedded = remoteVectorCollection("docs", () => vectorsStub(env.VECTORS, account, "docs"));
    for (const store of [pg, embedded]) await loadCorpus(store);
    const questions: VectorQuery[] = [
      { vector: [1, 0, 0, 0], k: 5 },
      { vector: [0.3, 0.3, 0.3, 0.3], k: 3, filter: { lang: "en" } },
      { vector: [0, 0, 1, 0], k: 5, minScore: 0.5 },
      { text: "battery policy 30 days", mode: "keyword", k: 5 },
      { text: "Rückgaberecht", mode: "keyword", k: 5, filter: { year: { $lt: 2023 } } },
      { vector: [0.2, 0.1, 0.75, 0.3], text: "error ZX9041", mode: "hybrid", k: 5 },
      { vector: [0.5, 0.5, 0, 0], text: "shipping days", mode: "hybrid", k: 4, filter: { tags: { $contains: "shipping" } } },
    ];
    for (const question of questions) {
      const [fromPg, fromEmbedded] = await Promise.all([pg.query(question), embedded.query(question)]);
      expect(fromPg.length, JSON.stringify(question)).toBeGreaterThan(0);
      expect(
        fromPg.map((m) => [m.document_id, m.id, m.text, m.metadata]),
        JSON.stringify(question),
      ).toEqual(fromEmbedded.map((m) => [m.document_id, m.id, m.text, m.metadata]));
      fromPg.forEach((match, i) => expect(match.score).toBeCloseTo(fromEmbedded[i]!.score, 5));
    }
    expect(await pg.stats()).toEqual(await embedded.stats());
    expect(Object.keys(CORPUS)).toHaveLength(3);
  });
});
