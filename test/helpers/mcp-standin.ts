/** The MCP stand-in of test/standins-setup.ts (scripts/standins/mcp.mjs), what it received, and the steps of a run that called it. */
import { expect, inject } from "vitest";
import { call, type TestUser } from "./api";

export const MCP = inject("standins").mcp;
/** The bearer token the stand-in wants under /auth/. */
export const MCP_TOKEN = "standin-mcp-token";

export interface Seen {
  counts: Record<string, number>;
  calls: { tool: string; arguments: unknown }[];
  requests: { method: string; path: string; headers: Record<string, string> }[];
}

/** The tool calls and requests the stand-in received with `X-Test-Key: key`. */
export async function seen(key: string): Promise<Seen> {
  return (await (await fetch(`${MCP}/_calls?key=${key}`)).json()) as Seen;
}

export interface Step {
  node_id: string;
  attempt: number;
  status: string;
  action: string | null;
  output: unknown;
  error: { code: string; message: string; details?: unknown } | null;
}

export async function stepsOf(user: TestUser, id: string): Promise<Step[]> {
  const res = await call(`/api/v1/executions/${id}/steps`, { headers: user.auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { steps: Step[] }).steps;
}
