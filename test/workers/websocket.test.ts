import { describe, expect, it } from "vitest";
import { call, getExecution, runFlow, saveFlow, signUp, yaml } from "../helpers/api";
import { connect } from "../helpers/websocket";

const FLOW = yaml`
metadata: {name: Watched}
nodes:
  prep: {type: transform, params: {script: "console.log('preparing'); return { id: 7 }"}, next: {default: ask}}
  ask: {type: wait, params: {type: event, event: go}, next: {default: finish}}
  finish: {type: transform, params: {script: "return { done: input.ok }"}}
`;

describe("execution WebSocket", () => {
  it("sends a snapshot, replays the event log, then streams live events to many clients", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, FLOW);
    const run = await runFlow(user, flow, {}, 0);
    expect((await getExecution(user, run.id, 1)).status).toBe("waiting");

    const a = await connect(user, run.id);
    const b = await connect(null, run.id, `?access_token=${user.token}`);
    expect(a.res.status).toBe(101);
    expect(b.res.status).toBe(101);
    await a.until((m) => m.some((x) => x.type === "replayed"));
    expect(a.messages[0]).toMatchObject({ type: "snapshot", execution: { id: run.id, status: "waiting" } });
    const replayed = a.messages.filter((m) => m.type === "event").map((m) => [m.event!.type, m.event!.node_id]);
    expect(replayed).toEqual([
      ["execution.started", null],
      ["step.started", "prep"],
      ["log", "prep"],
      ["step.completed", "prep"],
      ["step.started", "ask"],
      ["step.waiting", "ask"],
      ["execution.waiting", null],
    ]);
    expect(a.messages.find((m) => m.event?.type === "log")!.event!.data).toMatchObject({ level: "info", message: "preparing" });

    await call(`/api/v1/executions/${run.id}/events/go`, { method: "POST", headers: user.auth, json: { ok: true } });
    for (const client of [a, b]) await client.until((m) => m.some((x) => x.event?.type === "execution.completed"));
    const live = a.messages
      .filter((m) => m.type === "event")
      .slice(replayed.length)
      .map((m) => m.event!.type);
    expect(live).toEqual(["execution.resumed", "step.completed", "step.started", "step.completed", "execution.completed"]);
    expect(a.messages.at(-1)!.event!.data).toMatchObject({ status: "completed", output: { done: true } });

    a.ws!.send(JSON.stringify({ type: "ping" }));
    await a.until((m) => m.some((x) => x.type === "pong"));
    a.ws!.close(1000);
    b.ws!.close(1000);
  });

  it("authenticates a browser by a bearer subprotocol, names the flowrunner one, and passes no token on", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, FLOW);
    const run = await runFlow(user, flow, {}, 0);
    const socket = await connect(null, run.id, "", { "Sec-WebSocket-Protocol": `flowrunner, bearer.${user.token}` });
    expect(socket.res.status).toBe(101);
    expect(socket.res.headers.get("Sec-WebSocket-Protocol")).toBe("flowrunner");
    await socket.until((m) => m.some((x) => x.type === "replayed"));
    expect(socket.messages[0]).toMatchObject({ type: "snapshot", execution: { id: run.id } });
    socket.ws!.close(1000);

    const wrong = await connect(null, run.id, "", { "Sec-WebSocket-Protocol": "flowrunner, bearer.frt_not_a_token" });
    expect(wrong.res.status).toBe(401);
    const other = await signUp();
    expect((await connect(null, run.id, "", { "Sec-WebSocket-Protocol": `flowrunner, bearer.${other.token}` })).res.status).toBe(404);
  });

  it("replays from a cursor", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, FLOW);
    const run = await runFlow(user, flow, {}, 0);
    await getExecution(user, run.id, 1);
    const c = await connect(user, run.id, "?after=4");
    await c.until((m) => m.some((x) => x.type === "replayed"));
    const seqs = c.messages.filter((m) => m.type === "event").map((m) => m.event!.seq);
    expect(seqs.length).toBeGreaterThan(0);
    expect(Math.min(...seqs)).toBe(5);
    c.ws!.close(1000);
  });

  it("refuses other accounts, missing credentials and plain HTTP", async () => {
    const owner = await signUp();
    const other = await signUp();
    const flow = await saveFlow(owner, FLOW);
    const run = await runFlow(owner, flow, {}, 0);
    expect((await connect(other, run.id)).res.status).toBe(404);
    expect((await connect(null, run.id)).res.status).toBe(401);
    expect((await call(`/api/v1/executions/${run.id}/ws`, { headers: owner.auth })).status).toBe(400);
  });
});
