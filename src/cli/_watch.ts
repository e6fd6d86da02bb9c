/**
 * Following a run to its end. Over the run's WebSocket when the runtime has
 * a global `WebSocket` (Node ≥ 22), reconnecting from the last seen event;
 * otherwise (Node 20, or `FLOWRUNNER_WATCH=poll`) by polling the execution,
 * its steps and its logs.
 */
import type { LogList, StepList, StepView as Step } from "../services/execution-schemas";
import type { Client } from "./_client";
import { ApiError } from "./_client";
import { FINAL, type Execution, type RunRenderer, type WatchEvent } from "./_render";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FollowOptions {
  /** Give up after this many seconds (the run goes on); the execution is answered as it is then. */
  timeoutSec?: number;
}

/** Streams the run's events into the renderer and answers the execution once it is final (or the timeout passed). */
export async function follow(client: Client, id: string, renderer: RunRenderer, options: FollowOptions = {}): Promise<Execution> {
  const deadline = options.timeoutSec === undefined ? Infinity : Date.now() + options.timeoutSec * 1000;
  const canSocket = typeof globalThis.WebSocket === "function" && process.env.FLOWRUNNER_WATCH !== "poll";
  if (canSocket) {
    let after = 0;
    let failures = 0;
    while (Date.now() < deadline && failures < 3) {
      const result = await streamSocket(client, id, after, renderer, deadline);
      if (result.final) return finish(client, id, renderer);
      failures = result.lastSeq > after ? 0 : failures + 1;
      after = result.lastSeq;
      if (Date.now() < deadline) await sleep(250 * 2 ** failures);
    }
    if (Date.now() >= deadline) return finish(client, id, renderer);
    // The socket keeps failing (a proxy that drops upgrades?): carry on by polling.
  }
  await poll(client, id, renderer, deadline);
  return finish(client, id, renderer);
}

async function finish(client: Client, id: string, renderer: RunRenderer): Promise<Execution> {
  const execution = await client.get<Execution>(`/api/v1/executions/${id}`);
  renderer.closeOpenSteps(execution.status);
  renderer.stop();
  return execution;
}

interface SocketResult {
  final: boolean;
  lastSeq: number;
}

function streamSocket(client: Client, id: string, after: number, renderer: RunRenderer, deadline: number): Promise<SocketResult> {
  const url = client.url(`/api/v1/executions/${id}/ws`, { after });
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return new Promise((resolve, reject) => {
    let lastSeq = after;
    let snapshotFinal = false;
    let settled = false;
    // Node's WebSocket (undici) accepts headers as an extension of the second argument.
    const WS = globalThis.WebSocket as unknown as new (url: string, init: unknown) => WebSocket;
    const ws = new WS(url.toString(), { headers: client.authHeaders() });
    const keepAlive = setInterval(() => ws.readyState === 1 && ws.send("ping"), 30_000);
    const timeout = Number.isFinite(deadline)
      ? setTimeout(() => done({ final: false, lastSeq }), Math.max(0, deadline - Date.now()))
      : undefined;
    const done = (result: SocketResult | Error) => {
      if (settled) return;
      settled = true;
      clearInterval(keepAlive);
      clearTimeout(timeout);
      try {
        ws.close(1000);
      } catch {
        // Already closing.
      }
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    ws.addEventListener("message", (message: MessageEvent) => {
      if (typeof message.data !== "string" || message.data === "pong") return;
      let parsed: { type?: string; execution?: Execution; event?: WatchEvent };
      try {
        parsed = JSON.parse(message.data) as typeof parsed;
      } catch {
        return;
      }
      if (parsed.type === "snapshot" && parsed.execution) {
        snapshotFinal = FINAL.has(parsed.execution.status);
        if (after === 0) renderer.header(parsed.execution);
      } else if (parsed.type === "event" && parsed.event) {
        if (parsed.event.seq !== undefined && parsed.event.seq <= lastSeq) return;
        lastSeq = parsed.event.seq ?? lastSeq;
        renderer.event(parsed.event);
        if (parsed.event.type.startsWith("execution.") && FINAL.has(parsed.event.type.slice(10))) done({ final: true, lastSeq });
      } else if (parsed.type === "replayed" && snapshotFinal) {
        done({ final: true, lastSeq });
      }
    });
    ws.addEventListener("error", () => done({ final: false, lastSeq }));
    ws.addEventListener("close", (event: CloseEvent) => {
      // A refused upgrade (401, 404) shows as an abnormal close before any message: ask over HTTP for the real error.
      if (lastSeq === after && event.code === 1006) {
        client.get(`/api/v1/executions/${id}`).then(
          () => done({ final: false, lastSeq }),
          (error: unknown) => done(error instanceof ApiError ? error : { final: false, lastSeq }),
        );
        return;
      }
      done({ final: false, lastSeq });
    });
  });
}

const STEP_DONE = new Set(["completed", "failed", "retrying", "cancelled"]);

/** Turns changes of step records into the events the WebSocket would have sent. */
function stepEvents(step: Step, previous: string | undefined, execution: Execution): WatchEvent[] {
  const events: WatchEvent[] = [];
  const base = { node_id: step.node_id };
  if (previous === undefined)
    events.push({ ...base, at: step.started_at, type: "step.started", data: { step: step.seq, attempt: step.attempt } });
  if (step.status === "waiting" && previous !== "waiting") {
    const wait = execution.waiting_for?.find((w) => w.node_id === step.node_id);
    events.push({ ...base, at: step.started_at, type: "step.waiting", data: { step: step.seq, ...(wait ?? {}) } });
  }
  if (STEP_DONE.has(step.status)) {
    const data = { step: step.seq, attempt: step.attempt, action: step.action, duration_ms: step.duration_ms, error: step.error };
    events.push({ ...base, at: step.finished_at ?? step.started_at, type: `step.${step.status}`, data });
  }
  return events;
}

async function poll(client: Client, id: string, renderer: RunRenderer, deadline: number): Promise<void> {
  const seen = new Map<number, string>();
  // Each node's steps (seq, start time), to place its log lines: within a drive the runtime's clock
  // stands still, so many events share a time and only step order tells them apart.
  const started = new Map<string, { seq: number; at: number }[]>();
  let floor = 0;
  let logAfter = 0;
  let first = true;
  for (;;) {
    const wait = Math.max(0, Math.min(1, (deadline - Date.now()) / 1000));
    const execution = await client.get<Execution>(`/api/v1/executions/${id}`, { wait: first ? 0 : wait });
    if (first) renderer.header(execution);
    first = false;
    const batch: { event: WatchEvent; step: number }[] = [];
    const { steps } = await client.get<StepList>(`/api/v1/executions/${id}/steps`, { after: floor, limit: 1000 });
    for (const step of steps) {
      if (!seen.has(step.seq))
        started.set(step.node_id, [...(started.get(step.node_id) ?? []), { seq: step.seq, at: Date.parse(step.started_at) }]);
      if (seen.get(step.seq) === step.status) continue;
      batch.push(...stepEvents(step, seen.get(step.seq), execution).map((event) => ({ event, step: step.seq })));
      seen.set(step.seq, step.status);
    }
    /** The step a log line came from: its node's latest step started by then. */
    const stepOf = (nodeId: string | null, at: number) =>
      nodeId === null ? 0 : (started.get(nodeId)?.findLast((s) => s.at <= at)?.seq ?? 0);
    while (seen.has(floor + 1) && STEP_DONE.has(seen.get(floor + 1)!)) floor++;
    for (;;) {
      const { logs } = await client.get<LogList>(`/api/v1/executions/${id}/logs`, { after: logAfter, limit: 1000 });
      for (const log of logs) {
        const event = {
          seq: log.seq,
          at: log.time,
          type: "log",
          node_id: log.node_id,
          data: { level: log.level, message: log.message, ...(log.data == null ? {} : { data: log.data }) },
        };
        batch.push({ event, step: stepOf(log.node_id, Date.parse(log.time)) });
      }
      logAfter = logs.at(-1)?.seq ?? logAfter;
      if (logs.length < 1000) break;
    }
    // By time; at equal times in step order, and within a step it starts, then logs, then it finishes.
    const rank = (e: WatchEvent) => (e.type === "step.started" ? 0 : e.type === "log" ? 1 : 2);
    batch.sort((a, b) => Date.parse(a.event.at ?? "") - Date.parse(b.event.at ?? "") || a.step - b.step || rank(a.event) - rank(b.event));
    for (const { event } of batch) renderer.event(event);
    if (FINAL.has(execution.status)) {
      const { output, error, status } = execution;
      renderer.event({
        at: execution.finished_at ?? undefined,
        type: `execution.${status}`,
        node_id: null,
        data: { status, output, error },
      });
      return;
    }
    if (Date.now() >= deadline) return;
    if (wait === 0) await sleep(200);
  }
}
