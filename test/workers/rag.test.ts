/**
 * The `rag` node end to end: one-node flows saved and run through the public API, the embeddings and
 * the chat model being the OpenAI-compatible stand-in, whose hashed bag-of-words vectors put texts
 * that share words close together, so the order of matches can be asserted. The embedded store by
 * default; the same corpus on pgvector (PGlite, test/storage-setup.ts) must rank the same way.
 */
import { describe, expect, inject, it } from "vitest";
import { runFlow, saveFlow, signUp, yaml, type ExecutionBody, type TestUser } from "../helpers/api";
import { putSecret } from "../helpers/hooks";
import { OPENAI, scriptedKey, standinRequests, type Script } from "../helpers/openai-standin";

/**
 * Built so that the question about "ZX-401" shares more words with `errors` than with `zx401`
 * (vector search ranks `errors` first) while only `zx401` holds its rare words (keyword search ranks
 * it first), and `uptime`, which keyword search ranks second, is far down the vector ranking: hybrid
 * search puts `zx401` first.
 */
const CORPUS = [
  { id: "zx401", text: "Error ZX-401: the payment token has expired; ask the customer to pay again.", metadata: { team: "payments" } },
  { id: "errors", text: "What does an error say? It says what the app does when an error happens.", metadata: { team: "support" } },
  { id: "uptime", text: "The mean time to recovery was four hours last quarter.", metadata: { team: "ops" } },
  {
    id: "leave",
    text: "What leave does staff get? Staff take 25 days of paid leave a year; unused days carry over.",
    metadata: { team: "hr" },
  },
  { id: "expenses", text: "What does finance refund? Expenses are refunded within 30 days of the receipt.", metadata: { team: "finance" } },
  {
    id: "refunds",
    text: "What does a customer get back? Refunds are paid to the original card within 10 days.",
    metadata: { team: "payments" },
  },
];
const EXACT = "What does error ZX-401 mean?";
const LEAVE = "How many days of paid leave do staff get?";
const REFUNDS = "When are customer refunds paid?";

type Params = Record<string, unknown>;
interface Match {
  id: string;
  document_id: string;
  text: string;
  score: number;
  metadata: Record<string, unknown>;
}

/** An account whose MODEL_KEY secret is a stand-in key with this script. */
async function account(script: Script = {}): Promise<{ user: TestUser; key: string }> {
  const user = await signUp();
  const key = await scriptedKey(script);
  await putSecret(user, "MODEL_KEY", key);
  return { user, key };
}

const CONNECTION = { provider: "standin", base_url: OPENAI.url, api_key: "${secrets.MODEL_KEY}", dimensions: 256 };

/** Runs one rag node with these params (plus the stand-in connection and the collection) through the API. */
async function rag(user: TestUser, params: Params): Promise<ExecutionBody> {
  const node = { collection: "docs", ...CONNECTION, ...params };
  const id = await saveFlow(
    user,
    yaml`
metadata: {name: rag ${String(params.operation)}}
nodes:
  rag:
    type: rag
    params: ${JSON.stringify(node)}
`,
  );
  return runFlow(user, id, {}, 30);
}

async function ok<T = Record<string, unknown>>(user: TestUser, params: Params): Promise<T> {
  const run = await rag(user, params);
  expect(run.status, JSON.stringify(run.error)).toBe("completed");
  return run.output as T;
}

const matches = async (user: TestUser, params: Params) => (await ok<{ matches: Match[] }>(user, { operation: "query", ...params })).matches;
const ranked = async (user: TestUser, params: Params) => (await matches(user, params)).map((m) => m.document_id);

async function loaded(store: Params = {}): Promise<{ user: TestUser; key: string }> {
  const owner = await account();
  const out = await ok(owner.user, { operation: "ingest", documents: CORPUS, ...store });
  expect(out).toEqual({
    documents: 6,
    chunks: 6,
    replaced: 0,
    ids: CORPUS.map((d) => d.id),
    model: "text-embedding-3-small",
    dimensions: 256,
  });
  return owner;
}

describe("rag node: ingest and query", () => {
  it("ranks the passages that share the question's words first, each with its chunk id, text, score and metadata", async () => {
    const { user } = await loaded();
    const found = await matches(user, { question: LEAVE, k: 3 });
    expect(found.map((m) => m.document_id)).toEqual(["leave", "refunds", "expenses"]);
    expect(found[0]).toEqual({
      id: "leave#0",
      document_id: "leave",
      text: CORPUS[3]!.text,
      score: expect.any(Number),
      metadata: { team: "hr" },
    });
    expect(found[0]!.score).toBeGreaterThan(found[1]!.score);
    expect((await matches(user, { question: REFUNDS, k: 1 }))[0]!.document_id).toBe("refunds");
    // min_score leaves out the weak matches.
    expect(await ranked(user, { question: LEAVE, min_score: 0.5 })).toEqual(["leave"]);
  });

  it("re-ingesting a document replaces its chunks; a long one is chunked by chunk_size", async () => {
    const { user } = await loaded();
    const long = ["# Leave", "Staff take 30 days of paid leave a year.", "## Carry over", "Unused days carry over to March."].join("\n\n");
    const out = await ok(user, { operation: "ingest", documents: { id: "leave", text: long }, chunk_size: 60, chunk_overlap: 0 });
    expect(out).toMatchObject({ documents: 1, chunks: 2, replaced: 1, ids: ["leave"] });
    expect(await ok(user, { operation: "stats" })).toEqual({ documents: 6, chunks: 7, dimensions: 256 });
    const all = await matches(user, { question: "leave", mode: "keyword" });
    expect(all.map((m) => [m.id, m.text])).toEqual([["leave#0", "# Leave\n\nStaff take 30 days of paid leave a year."]]);
    expect((await matches(user, { question: "March", mode: "keyword" })).map((m) => m.id)).toEqual(["leave#1"]);
    expect(await matches(user, { question: "25", mode: "keyword" })).toEqual([]);
  });

  it("filters on the documents' metadata", async () => {
    const { user } = await loaded();
    expect(await ranked(user, { question: REFUNDS, filter: { team: "payments" } })).toEqual(["refunds", "zx401"]);
    expect(await ranked(user, { question: REFUNDS, filter: { team: { $in: ["hr", "finance"] } } })).toEqual(["leave", "expenses"]);
  });

  it("hybrid search finds the passage with the question's exact code, which pure vector search ranks below another", async () => {
    const { user } = await loaded();
    const vector = await ranked(user, { question: EXACT, mode: "vector" });
    expect(vector[0]).toBe("errors");
    expect(vector.indexOf("zx401")).toBeGreaterThan(0);
    expect((await ranked(user, { question: EXACT, mode: "keyword" }))[0]).toBe("zx401");
    expect((await ranked(user, { question: EXACT, mode: "hybrid" }))[0]).toBe("zx401");
  });

  it("a keyword query embeds nothing: it needs no API key", async () => {
    const { user, key } = await loaded();
    const before = (await standinRequests(key)).length;
    const run = await rag(user, { operation: "query", question: "ZX-401", mode: "keyword", api_key: undefined });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect((run.output as { matches: Match[] }).matches.map((m) => m.id)).toEqual(["zx401#0"]);
    expect((await standinRequests(key)).length).toBe(before);
  });

  it("deletes a document, or the chunks a filter matches; stats follow", async () => {
    const { user } = await loaded();
    expect(await ok(user, { operation: "stats" })).toEqual({ documents: 6, chunks: 6, dimensions: 256 });
    expect(await ok(user, { operation: "delete", document_id: "leave" })).toEqual({ documents: 1, chunks: 1 });
    expect(await ok(user, { operation: "delete", filter: { team: "payments" } })).toEqual({ documents: 2, chunks: 2 });
    expect(await ok(user, { operation: "stats" })).toEqual({ documents: 3, chunks: 3, dimensions: 256 });
    expect((await ranked(user, { question: REFUNDS })).sort()).toEqual(["errors", "expenses", "uptime"]);
  });

  it("one account's collection is invisible to another with the same name", async () => {
    await loaded();
    const { user: other } = await account();
    expect(await ok(other, { operation: "stats" })).toEqual({ documents: 0, chunks: 0, dimensions: null });
    expect(await matches(other, { question: LEAVE })).toEqual([]);
  });
});

describe("rag node: answer", () => {
  it("hands the numbered passages to the model and reads its citations back", async () => {
    const { user, key } = await account({ replies: ["Refunds go back to the original card within 10 days [1]."] });
    await ok(user, { operation: "ingest", documents: CORPUS });
    const out = await ok<{ answer: string; citations: unknown[]; matches: Match[]; usage: Record<string, number> }>(user, {
      operation: "answer",
      question: REFUNDS,
      k: 2,
      model: "gpt-4.1-mini",
      max_tokens: 200,
    });
    expect(out.answer).toBe("Refunds go back to the original card within 10 days [1].");
    expect(out.matches.map((m) => m.id)).toEqual(["refunds#0", "leave#0"]);
    expect(out.citations).toEqual([{ n: 1, id: "refunds#0", document_id: "refunds", score: out.matches[0]!.score }]);
    expect(out.usage.total_tokens).toBeGreaterThan(0);

    const chats = (await standinRequests(key)).filter((r) => r.path === "/v1/chat/completions");
    expect(chats).toHaveLength(1);
    const [system, prompt] = chats[0]!.body.messages as { role: string; content: string }[];
    expect(system!.role).toBe("system");
    expect(system!.content).toContain("cite");
    expect(prompt).toEqual({
      role: "user",
      content: `Passages:\n\n[1] (document refunds)\n${CORPUS[5]!.text}\n\n[2] (document leave)\n${CORPUS[3]!.text}\n\nQuestion: ${REFUNDS}`,
    });
    expect(chats[0]!.body).toMatchObject({ model: "gpt-4.1-mini", max_tokens: 200 });
  });
});

describe("rag node: bad input", () => {
  const leaveStillThere = async (user: TestUser) => {
    expect(await ok(user, { operation: "stats" })).toEqual({ documents: 6, chunks: 6, dimensions: 256 });
    expect((await matches(user, { question: "25", mode: "keyword" })).map((m) => m.id)).toEqual(["leave#0"]);
  };

  it("an embeddings error fails the step and leaves the document's previous chunks as they were", async () => {
    const { user } = await loaded();
    await putSecret(user, "MODEL_KEY", "sk-not-a-key");
    const run = await rag(user, { operation: "ingest", documents: [{ id: "leave", text: "Staff take 30 days." }] });
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "llm_unauthorized", node_id: "rag" });
    expect(run.error!.message).not.toContain("sk-not-a-key");
    await leaveStillThere(user);
  });

  it("embeddings of other dimensions than the collection's: dimension_mismatch, nothing written", async () => {
    const { user } = await loaded();
    const run = await rag(user, { operation: "ingest", documents: [{ id: "leave", text: "Staff take 30 days." }], dimensions: 128 });
    expect(run.error).toMatchObject({ code: "dimension_mismatch" });
    expect(run.error!.message).toContain("256 dimensions, not 128");
    await leaveStillThere(user);
    const query = await rag(user, { operation: "query", question: LEAVE, dimensions: 128 });
    expect(query.error).toMatchObject({ code: "dimension_mismatch" });
  });

  it("a document without text, or one that makes too many chunks, fails before anything is embedded or written", async () => {
    const { user, key } = await loaded();
    const before = (await standinRequests(key)).length;
    const empty = await rag(user, {
      operation: "ingest",
      documents: [
        { id: "new", text: "New." },
        { id: "leave", text: "  \n" },
      ],
    });
    expect(empty.error).toMatchObject({ code: "invalid_document" });
    expect(empty.error!.message).toBe("Document 'leave' has no text");
    const huge = await rag(user, { operation: "ingest", documents: { id: "leave", text: "word ".repeat(1100) }, chunk_size: 4 });
    expect(huge.error).toMatchObject({ code: "document_too_large" });
    expect(huge.error!.message).toContain("makes 1100 chunks");
    expect((await standinRequests(key)).length).toBe(before);
    await leaveStillThere(user);
  });
});

const services = inject("storageServices");
describe.skipIf("skip" in services.postgres)("rag node on pgvector", () => {
  it("gives the same top matches as the embedded store on the same corpus, in every mode", async () => {
    const pg = { store: "pgvector", connection_string: services.pgvector.url };
    const embedded = await loaded();
    const onPg = await loaded(pg);
    expect(await ok(onPg.user, { operation: "stats", ...pg })).toEqual({ documents: 6, chunks: 6, dimensions: 256 });
    for (const question of [EXACT, LEAVE, REFUNDS]) {
      for (const mode of ["vector", "keyword", "hybrid"]) {
        const want = await ranked(embedded.user, { question, mode, k: 3 });
        expect(await ranked(onPg.user, { question, mode, k: 3, ...pg }), `${mode}: ${question}`).toEqual(want);
      }
    }
    expect((await ranked(onPg.user, { question: EXACT, mode: "hybrid", ...pg }))[0]).toBe("zx401");
    expect(await ok(onPg.user, { operation: "delete", document_id: "zx401", ...pg })).toEqual({ documents: 1, chunks: 1 });
    // The embedded collection of the same account and name is another collection.
    expect(await ok(onPg.user, { operation: "stats" })).toEqual({ documents: 0, chunks: 0, dimensions: null });
  });
});
