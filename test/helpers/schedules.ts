/** Schedules through the API, and a look inside their objects, for the schedules tests. */
import { env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { call, type TestUser } from "./api";

export interface ScheduleBody {
  id: string;
  key: string;
  flow_id: string;
  source: string;
  cron: string;
  timezone: string;
  state: string;
  paused: boolean;
  input: unknown;
  next_fire_at: string | null;
  last_tick_at: string | null;
  recent: { tick_at: string; outcome: string; execution_id: string | null; message: string | null }[];
}

export interface ExecutionSummaryBody {
  id: string;
  flow_id: string;
  trigger: string;
  status: string;
}

/** A flow whose triggers are the given cron declarations (YAML flow mappings); answers its id and trigger ids. */
export async function cronFlow(user: TestUser, triggers: string[], name = "Ticking"): Promise<{ flowId: string; triggerIds: string[] }> {
  const content = `metadata: {name: ${name}}
triggers:
${triggers.map((t) => `  - ${t}`).join("\n")}
nodes:
  tick: {type: transform, params: {script: "return input"}}
`;
  const res = await call("/api/v1/flows", { method: "POST", headers: { ...user.auth, "Content-Type": "application/yaml" }, body: content });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  const flow = JSON.parse(text) as { id: string; triggers: { id: string; type: string }[] };
  return { flowId: flow.id, triggerIds: flow.triggers.filter((t) => t.type === "cron").map((t) => t.id) };
}

export async function getSchedule(user: TestUser, id: string): Promise<ScheduleBody> {
  const res = await call(`/api/v1/schedules/${id}`, { headers: user.auth });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as ScheduleBody;
}

export async function postSchedule(user: TestUser, id: string, action: "pause" | "resume" | "run"): Promise<Response> {
  return call(`/api/v1/schedules/${id}/${action}`, { method: "POST", headers: user.auth });
}

export async function cronRuns(user: TestUser, query: string): Promise<ExecutionSummaryBody[]> {
  const res = await call(`/api/v1/executions?limit=100&${query}`, { headers: user.auth });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { executions: ExecutionSummaryBody[] }).executions;
}

export async function deleteFlow(user: TestUser, flowId: string): Promise<void> {
  const res = await call(`/api/v1/flows/${flowId}`, { method: "DELETE", headers: user.auth });
  expect(res.status).toBe(204);
}

export const scheduleStub = (triggerId: string) => env.SCHEDULES.get(env.SCHEDULES.idFromName(triggerId));

/** The schedule object's alarm, straight from its storage. */
export function alarmOf(triggerId: string): Promise<number | null> {
  return runInDurableObject(scheduleStub(triggerId), (_instance, state: DurableObjectState) => state.storage.getAlarm());
}

/** Runs SQL inside the schedule object (to set its state as a past the test cannot wait for would have). */
export function sqlIn(
  triggerId: string,
  query: string,
  ...bindings: (string | number | null)[]
): Promise<Record<string, SqlStorageValue>[]> {
  return runInDurableObject(scheduleStub(triggerId), (_instance, state: DurableObjectState) =>
    state.storage.sql.exec(query, ...bindings).toArray(),
  );
}

/** Polls `check` until it holds (or the time is up, when its last answer is returned for the assertion). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
