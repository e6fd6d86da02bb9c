/**
 * The embedded vector store's object (src/objects/vectors/object.ts) as the product runs it, plus a
 * `ping` to measure a round trip that does no work. The Worker makes the corpus itself (nothing that
 * large crosses HTTP) and calls the object over RPC, as `ctx.vectors` does:
 *
 *   POST /load?collection=c&from=F&count=N&dims=D   chunks F..F+N-1, in documents of 100 chunks
 *   GET  /query?collection=c&mode=M&k=K&seed=S[&filter=1][&dims=D]
 *   GET  /ping?collection=c
 *
 * Chunk i: a random unit vector and 40 words drawn (skewed towards the common ones) from a made-up
 * vocabulary of 5,000, both from a generator seeded by i; metadata {group: i % 10, n: i}.
 */
import { VectorObject } from "../../src/objects/vectors/object";
import type { VectorsRpc, WireChunk } from "../../src/services/vectors-rpc";

export class BenchVectors extends VectorObject {
  async ping(): Promise<number> {
    return 1;
  }
}

interface Env {
  VECTORS: DurableObjectNamespace<BenchVectors>;
}

const CHUNKS_PER_DOCUMENT = 100;
const VOCABULARY = 5000;

/** mulberry32: small, fast, seeded. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const word = (next: () => number) => `w${Math.floor(VOCABULARY * next() ** 3)}`;
const vector = (next: () => number, dims: number) => Array.from({ length: dims }, () => next() * 2 - 1);

function chunk(i: number, dims: number): WireChunk {
  const next = random(i + 1);
  const words = Array.from({ length: 40 }, () => word(next));
  return {
    id: `c${i}`,
    text: words.join(" "),
    vector: Float32Array.from(vector(next, dims)),
    metadata: JSON.stringify({ group: i % 10, n: i }),
  };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    const n = (name: string, fallback = 0) => Number(url.searchParams.get(name) ?? fallback);
    const stub = env.VECTORS.get(env.VECTORS.idFromName(url.searchParams.get("collection") ?? "bench"));
    const rpc = stub as unknown as VectorsRpc;
    const dims = n("dims", 384);
    if (url.pathname === "/ping") return json({ ok: (await stub.ping()) === 1 });
    if (url.pathname === "/load") {
      const from = n("from");
      const count = n("count");
      for (let start = from; start < from + count; start += CHUNKS_PER_DOCUMENT) {
        const chunks = Array.from({ length: Math.min(CHUNKS_PER_DOCUMENT, from + count - start) }, (_, j) => chunk(start + j, dims));
        const result = await rpc.upsert(`d${Math.floor(start / CHUNKS_PER_DOCUMENT)}`, chunks);
        if (!result.ok) return json(result, 500);
      }
      return json({ ok: true });
    }
    if (url.pathname === "/query") {
      const next = random(1_000_000 + n("seed"));
      const mode = url.searchParams.get("mode") ?? "vector";
      const result = await rpc.query({
        vector: mode === "keyword" ? null : vector(next, dims),
        text: mode === "vector" ? null : Array.from({ length: 5 }, () => word(next)).join(" "),
        k: n("k", 10),
        minScore: null,
        filter: url.searchParams.get("filter") === "1" ? JSON.stringify({ group: 3 }) : null,
        mode,
      });
      return result.ok ? json({ ok: true, matches: result.value.length }) : json(result, 500);
    }
    if (url.pathname === "/stats") return json(await rpc.stats());
    return json({ error: "not found" }, 404);
  },
} satisfies ExportedHandler<Env>;
