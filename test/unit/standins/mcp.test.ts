/** The MCP stand-in refuses what a real MCP server refuses, and tells tests what it received. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMcpStandin, type McpStandin } from "../../../scripts/standins/mcp.mjs";

let standin: McpStandin;
beforeAll(async () => {
  standin = await startMcpStandin();
});
afterAll(() => standin.close());

const HEADERS = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${standin.url}${path}`, { method: "POST", headers: { ...HEADERS, ...headers }, body });
const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
});

describe("MCP stand-in", () => {
  it("answers malformed JSON with a JSON-RPC parse error", async () => {
    const res = await post("/mcp", "{not json");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32700 } });
  });

  it("wants initialize before anything else, and a known session after", async () => {
    const early = await post("/mcp", JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }));
    expect(early.status).toBe(400);
    expect(await early.json()).toMatchObject({ error: { code: -32600 } });
    const unknown = await post("/mcp", JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), { "Mcp-Session-Id": "nope" });
    expect(unknown.status).toBe(404);
  });

  it("refuses a request that is not JSON-RPC inside a session", async () => {
    const opened = await post("/mcp", initialize);
    expect(opened.status).toBe(200);
    const session = opened.headers.get("mcp-session-id")!;
    await opened.text();
    const headers = { "Mcp-Session-Id": session, "Mcp-Protocol-Version": "2025-06-18" };
    const bad = await post("/mcp", JSON.stringify({ id: 2, method: "tools/list" }), headers);
    expect(bad.status).toBe(400);
  });

  it("wants the bearer token under /auth/", async () => {
    const res = await post("/auth/mcp", initialize, { Authorization: "Bearer wrong" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const ok = await post("/auth/mcp", initialize, { Authorization: "Bearer standin-mcp-token" });
    expect(ok.status).toBe(200);
  });

  it("records the requests of each X-Test-Key apart", async () => {
    await post("/mcp", initialize, { "X-Test-Key": "one" });
    await post("/status/503/mcp", initialize, { "X-Test-Key": "two" });
    const one = (await (await fetch(`${standin.url}/_calls?key=one`)).json()) as { requests: { path: string }[] };
    const two = (await (await fetch(`${standin.url}/_calls?key=two`)).json()) as { requests: { path: string }[] };
    expect(one.requests.map((r) => r.path)).toEqual(["/mcp"]);
    expect(two.requests.map((r) => r.path)).toEqual(["/status/503/mcp"]);
  });
});
