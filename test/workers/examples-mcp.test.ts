/// <reference types="vite/client" />
/**
 * The MCP example of examples/ is saved and run here through the public API against the MCP
 * stand-in (scripts/standins/mcp.mjs), with its token in the account's vault, and what it produces
 * is checked value by value.
 */
import { describe, expect, it } from "vitest";
import mcpTools from "../../examples/mcp-tools.yaml?raw";
import { runFlow, saveFlow, signUp, expectValidFlow } from "../helpers/api";
import { putSecret } from "../helpers/hooks";
import { MCP, MCP_TOKEN as TOKEN, stepsOf, type Step } from "../helpers/mcp-standin";

/** [node, status, action, attempt] of each step, in order: the path the run took. */
const path = (steps: Step[]) => steps.map((s) => [s.node_id, s.status, s.action, s.attempt]);

describe("examples/mcp-tools.yaml", () => {
  it("validates with no errors and no warnings", async () => {
    await expectValidFlow(mcpTools);
  });

  it("lists the tools, calls add with its output checked, reads a resource and fills a prompt with it", async () => {
    const user = await signUp();
    await putSecret(user, "MCP_TOKEN", TOKEN);
    const flow = await saveFlow(user, mcpTools);
    const run = await runFlow(user, flow, { mcp_url: `${MCP}/auth/mcp`, a: 2, b: 40 });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({
      tools: ["add", "echo", "fail", "explode", "slow", "bad_output", "whoami", "flaky"],
      sum: 42,
      greeting: "Hello from the MCP stand-in",
      prompt: "Summarize in one sentence: Hello from the MCP stand-in",
    });
    expect(path(await stepsOf(user, run.id))).toEqual([
      ["request", "completed", "default", 1],
      ["tools", "completed", "default", 1],
      ["add", "completed", "default", 1],
      ["greeting", "completed", "default", 1],
      ["prompt", "completed", "default", 1],
      ["report", "completed", "default", 1],
    ]);
  });

  it("takes the error edge when the server refuses the arguments, without retrying", async () => {
    const user = await signUp();
    await putSecret(user, "MCP_TOKEN", TOKEN);
    const flow = await saveFlow(user, mcpTools);
    const run = await runFlow(user, flow, { mcp_url: `${MCP}/auth/mcp`, a: "two", b: 40 });
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({
      failed: "mcp_error",
      mcp_code: -32602,
      message: `tools/call add failed at ${MCP}/auth/mcp: a and b must be numbers (MCP error -32602)`,
    });
    expect(path(await stepsOf(user, run.id)).map(([node, status]) => [node, status])).toEqual([
      ["request", "completed"],
      ["tools", "completed"],
      ["add", "failed"],
      ["failed", "completed"],
    ]);
  });

  it("fails the first MCP step with mcp_http_error 401 when the vault has no valid token", async () => {
    const user = await signUp();
    await putSecret(user, "MCP_TOKEN", "not-the-token");
    const flow = await saveFlow(user, mcpTools);
    const run = await runFlow(user, flow, { mcp_url: `${MCP}/auth/mcp`, a: 1, b: 1 });
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "mcp_http_error", node_id: "tools" });
  });
});
