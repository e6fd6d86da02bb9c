/** embed(): the OpenAI-compatible embeddings API through the node's HTTP, against the stand-in (which checks requests). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIStandin, type OpenAIStandin } from "../../../../scripts/standins/openai.mjs";
import { createHttpClient } from "../../../../src/nodes/capabilities/http";
import { EMBED_BATCH, embed, type EmbedContext } from "../../../../src/nodes/llm/embed";

let standin: OpenAIStandin;
beforeAll(async () => {
  standin = await startOpenAIStandin();
});
afterAll(() => standin.close());

function context() {
  const usage: Record<string, number>[] = [];
  const ctx: EmbedContext = {
    http: createHttpClient({ fetch, privateNetwork: "allow" }),
    signal: new AbortController().signal,
    log: () => {},
    addUsage: (u) => usage.push(u),
  };
  return { ctx, usage };
}

const connection = (apiKey = standin.apiKey) => ({
  provider: "standin",
  base_url: standin.url,
  api_key: apiKey,
  timeout: 10_000,
  max_retries: 0,
});

async function requestsOf(apiKey: string) {
  const res = await fetch(`${standin.origin}/_standin/scripts/${apiKey}/requests`);
  return ((await res.json()) as { requests: { body: { input: string[]; dimensions?: number } }[] }).requests;
}

describe("embed", () => {
  it("answers one vector per input in order, the same for the same text, and reports the tokens", async () => {
    const { ctx, usage } = context();
    const texts = ["durable workflows at the edge", "a cat sat on the mat", "durable workflows at the edge"];
    const result = await embed(ctx, connection(), { input: texts, model: "text-embedding-3-small", dimensions: 64 });
    expect(result.vectors).toHaveLength(3);
    expect(result.vectors.every((v) => v.length === 64)).toBe(true);
    expect(result.vectors[0]).toEqual(result.vectors[2]);
    expect(result.vectors[0]).not.toEqual(result.vectors[1]);
    expect(result.usage.total_tokens).toBeGreaterThan(0);
    expect(usage).toEqual([result.usage]);
  });

  it("sends inputs in batches", async () => {
    const key = ((await (await fetch(`${standin.origin}/_standin/scripts`, { method: "POST", body: "{}" })).json()) as { api_key: string })
      .api_key;
    const { ctx } = context();
    const input = Array.from({ length: EMBED_BATCH + 3 }, (_, i) => `passage ${i}`);
    const result = await embed(ctx, connection(key), { input, model: "text-embedding-3-small", dimensions: 8 });
    expect(result.vectors).toHaveLength(EMBED_BATCH + 3);
    expect((await requestsOf(key)).map((r) => r.body.input.length)).toEqual([EMBED_BATCH, 3]);
  });

  it("fails with the provider's answer, without the key", async () => {
    const { ctx } = context();
    const error = await embed(ctx, connection("sk-wrong-key-123"), { input: ["x"], model: "text-embedding-3-small" }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "llm_unauthorized", retryable: false });
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain("sk-wrong-key-123");
  });
});
