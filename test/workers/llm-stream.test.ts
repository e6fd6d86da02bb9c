/**
 * The `llm` node's streaming: token deltas reach a real WebSocket client of the run as ephemeral
 * events, and the step's output is the same as without streaming.
 */
import { describe, expect, it } from "vitest";
import { call, getExecution, runFlow, saveFlow, signUp, yaml, type TestUser } from "../helpers/api";
import { putSecret } from "../helpers/hooks";
import { OPENAI, scriptedKey, standinRequests } from "../helpers/openai-standin";
import { connect, type WsMessage } from "../helpers/websocket";

const ANSWER = "Streams carry the answer piece by piece, and the output stays whole.";

/** Waits for the `go` event, then asks the stand-in (whose script answers ANSWER). */
const flow = (stream: string) => yaml`
metadata: {name: streamed}
nodes:
  hold: {type: wait, params: {type: event, event: go}, next: {default: ask}}
  ask:
    type: llm
    params: {provider: standin, base_url: "${OPENAI.url}", api_key: "\${secrets.MODEL_KEY}", model: gpt-4.1-mini, prompt: Explain streams, ${stream}}
`;

async function account(script = {}): Promise<{ user: TestUser; key: string }> {
  const user = await signUp();
  const key = await scriptedKey({ replies: [ANSWER], chunk_delay_ms: 60, ...script });
  await putSecret(user, "MODEL_KEY", key);
  return { user, key };
}

/** Starts the flow, watches it over a WebSocket from before the model call to its end, and returns what the client saw. */
async function watchedRun(user: TestUser, flowId: string) {
  const run = await runFlow(user, flowId, {}, 0);
  expect((await getExecution(user, run.id, 2)).status).toBe("waiting");
  const client = await connect(user, run.id);
  await client.until((m) => m.some((x) => x.type === "replayed"));
  const sent = await call(`/api/v1/executions/${run.id}/events/go`, { method: "POST", headers: user.auth, json: {} });
  expect(sent.status).toBe(202);
  await client.until((m) => m.some((x) => x.event?.type === "execution.completed" || x.event?.type === "execution.failed"), 10_000);
  client.ws!.close(1000);
  return { id: run.id, messages: client.messages };
}

const deltas = (messages: WsMessage[]) =>
  messages.filter((m) => m.type === "ephemeral" && m.event?.type === "llm.delta").map((m) => m.event!.data.content as string);

async function askOutput(user: TestUser, id: string): Promise<unknown> {
  const res = await call(`/api/v1/executions/${id}/steps?full=true&node_id=ask`, { headers: user.auth });
  return ((await res.json()) as { steps: { output: unknown }[] }).steps[0]!.output;
}

describe("llm streaming", () => {
  it("sends the answer's text to a watching client as it arrives; the output is the same as a call that did not stream", async () => {
    const { user, key } = await account();
    const streamed = await watchedRun(user, await saveFlow(user, flow("stream: true")));
    const pieces = deltas(streamed.messages);
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join("")).toBe(ANSWER);
    // Each delta came before the step finished.
    const completedAt = streamed.messages.findIndex((m) => m.event?.type === "step.completed" && m.event.node_id === "ask");
    const lastDelta = streamed.messages.findLastIndex((m) => m.type === "ephemeral");
    expect(lastDelta).toBeLessThan(completedAt);

    const plain = await saveFlow(user, flow("stream: false"));
    const run = await runFlow(user, plain, {}, 0);
    await call(`/api/v1/executions/${run.id}/events/go`, { method: "POST", headers: user.auth, json: {} });
    expect((await getExecution(user, run.id, 10)).status).toBe("completed");

    const [asStream, whole] = await Promise.all([askOutput(user, streamed.id), askOutput(user, run.id)]);
    expect(asStream).toMatchObject({ content: ANSWER, usage: { total_tokens: expect.any(Number) } });
    expect(asStream).toEqual(whole);
    const sent = await standinRequests(key);
    expect(sent.map((r) => [r.body.stream ?? false, r.body.stream_options ?? null])).toEqual([
      [true, { include_usage: true }],
      [false, null],
    ]);
    // Usage came with the stream too: on the step, and in the run's detail and the WebSocket's snapshot.
    expect((await getExecution(user, streamed.id)) as unknown as { usage: unknown }).toMatchObject({
      usage: (asStream as { usage: unknown }).usage,
    });
  });

  it("streams on its own when a client watches and stream is not given, and not when nobody watches", async () => {
    const { user, key } = await account();
    const flowId = await saveFlow(user, flow("max_tokens: 100"));
    const watched = await watchedRun(user, flowId);
    expect(deltas(watched.messages).join("")).toBe(ANSWER);

    const run = await runFlow(user, flowId, {}, 0);
    await call(`/api/v1/executions/${run.id}/events/go`, { method: "POST", headers: user.auth, json: {} });
    expect((await getExecution(user, run.id, 10)).status).toBe("completed");
    expect((await standinRequests(key)).map((r) => r.body.stream ?? false)).toEqual([true, false]);
  });

  it("shows a watching client no API key when the call fails", async () => {
    const user = await signUp();
    await putSecret(user, "MODEL_KEY", "sk-wrong-key-never-on-the-socket");
    const failed = await watchedRun(user, await saveFlow(user, flow("stream: true")));
    const seen = JSON.stringify(failed.messages);
    expect(seen).toContain("llm_unauthorized");
    expect(seen).not.toContain("never-on-the-socket");
  });
});
