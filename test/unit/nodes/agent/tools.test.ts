import { describe, expect, it } from "vitest";
import { toolProblems } from "../../../../src/nodes/agent/tools/declaration";
import { fillUrl } from "../../../../src/nodes/agent/tools/http";
import { recalled, trimmed } from "../../../../src/nodes/agent/memory";

describe("agent tool declarations", () => {
  it("accepts one way to run per tool, with the names each kind needs", () => {
    expect(
      toolProblems([
        { flow: "refund" },
        { name: "lookup", http: { url: "https://api.example.com/orders/{id}" } },
        { mcp: { url: "https://mcp.example.com" }, include: ["search"] },
        { builtin: "current_time" },
      ]),
    ).toEqual([]);
  });

  it("refuses a tool with no way to run, or two", () => {
    expect(toolProblems([{ name: "x" }, { flow: "a", builtin: "current_time" }])).toEqual([
      { path: ["tools", 0], message: "tools[0] says neither flow, http, mcp nor builtin: a tool needs one of them to run" },
      { path: ["tools", 1], message: "tools[1] has flow and builtin: a tool runs in exactly one way" },
    ]);
  });

  it("asks for an http tool's name, keeps kind-specific keys to their kind, and names unique", () => {
    expect(toolProblems([{ http: { url: "https://x" } }])).toEqual([
      { path: ["tools", 0, "name"], message: "tools[0] is an http tool and needs a name", missing: true },
    ]);
    expect(
      toolProblems([
        { flow: "a", include: ["b"] },
        { builtin: "store_get", version: 2 },
      ]).map((p) => p.path),
    ).toEqual([
      ["tools", 0, "include"],
      ["tools", 1, "version"],
    ]);
    expect(toolProblems([{ builtin: "store_get" }, { name: "store_get", flow: "f" }])).toEqual([
      { path: ["tools", 1, "name"], message: "tools[1]: the name 'store_get' is also tools[0]'s" },
    ]);
    expect(toolProblems([{ mcp: { url: "https://m" }, name: "x" }])[0]?.message).toContain("from the server");
  });
});

describe("http tool URLs", () => {
  it("fills placeholders URL-encoded and leaves the other arguments", () => {
    const { url, rest } = fillUrl("https://api.example.com/orders/{id}/items?x=1", { id: "a b/c", limit: 5 });
    expect(url.toString()).toBe("https://api.example.com/orders/a%20b%2Fc/items?x=1");
    expect(rest).toEqual({ limit: 5 });
  });

  it("fails clearly on a missing argument or a URL that is not http(s)", () => {
    expect(() => fillUrl("https://x/{id}", {})).toThrow(expect.objectContaining({ code: "tool_invalid_arguments" }));
    expect(() => fillUrl("file:///{p}", { p: "etc" })).toThrow(expect.objectContaining({ code: "invalid_url" }));
  });
});

describe("agent memory", () => {
  const user = (content: string) => ({ role: "user", content });
  const call = { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "t", arguments: "{}" } }] };
  const result = { role: "tool", tool_call_id: "c1", content: "1" };
  const answer = { role: "assistant", content: "done" };

  it("keeps the last messages from a user message on, so tool calls stay with their question", () => {
    const messages = [{ role: "system", content: "s" }, user("a"), call, result, answer, user("b"), answer];
    expect(trimmed(messages, 3)).toEqual([user("b"), answer]);
    expect(trimmed(messages, 6)).toEqual(messages.slice(1));
    expect(trimmed([call, result, answer], 2)).toEqual([]);
  });

  it("recalls only well-formed messages, without a system prompt", () => {
    expect(recalled({ messages: [user("a"), { role: "system", content: "s" }, 3, { content: "x" }] })).toEqual([user("a")]);
    expect(recalled("not a conversation")).toEqual([]);
    expect(recalled(undefined)).toEqual([]);
  });
});
