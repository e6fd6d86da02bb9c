/// <reference types="vite/client" />
/**
 * examples/rag-answer.yaml, saved and run through the public API: the input's documents ingested
 * into the embedded store, the question answered from them with citations. Its embeddings and model
 * are the OpenAI-compatible stand-in of test/global-setup.ts, reached through the secrets
 * OPENAI_API_KEY and OPENAI_BASE_URL as the flow says.
 */
import { describe, expect, it } from "vitest";
import ragAnswer from "../../examples/rag-answer.yaml?raw";
import { expectValidFlow, runFlow, saveFlow, signUp } from "../helpers/api";
import { putSecret } from "../helpers/hooks";
import { OPENAI, scriptedKey, standinRequests } from "../helpers/openai-standin";

const INPUT = {
  documents: [
    { id: "leave", text: "Staff take 25 days of paid leave a year.", metadata: { team: "hr" } },
    { id: "expenses", text: "Expenses are refunded within 30 days of the receipt." },
    { id: "security", text: "Laptops lock after five minutes without use." },
  ],
  question: "How many days of paid leave do staff get?",
};

describe("examples/rag-answer.yaml", () => {
  it("validates with no errors and no warnings", async () => {
    await expectValidFlow(ragAnswer);
  });

  it("ingests the input's documents, then answers its question from the closest passages, citing them", async () => {
    const user = await signUp();
    const key = await scriptedKey({ replies: ["Staff get 25 days of paid leave a year [1]."] });
    await putSecret(user, "OPENAI_API_KEY", key);
    await putSecret(user, "OPENAI_BASE_URL", OPENAI.url);
    const run = await runFlow(user, await saveFlow(user, ragAnswer), INPUT, 30);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ answer: "Staff get 25 days of paid leave a year [1].", sources: ["leave"], ingested: 3 });

    const sent = await standinRequests(key);
    expect(sent.map((r) => r.path)).toEqual(["/v1/embeddings", "/v1/embeddings", "/v1/chat/completions"]);
    expect(sent[0]!.body).toMatchObject({ model: "text-embedding-3-small", input: INPUT.documents.map((d) => d.text) });
    expect(sent[1]!.body).toMatchObject({ input: [INPUT.question] });
    const prompt = (sent[2]!.body.messages as { role: string; content: string }[])[1]!.content;
    // The passage about leave comes first: it shares the question's words.
    expect(prompt.startsWith(`Passages:\n\n[1] (document leave)\n${INPUT.documents[0]!.text}\n\n[2] `)).toBe(true);
    expect(prompt.endsWith(`Question: ${INPUT.question}`)).toBe(true);
  });
});
