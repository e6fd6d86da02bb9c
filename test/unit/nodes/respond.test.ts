/** The `respond` node's answer, and the check it gets again before it is sent to a caller. */
import { describe, expect, it } from "vitest";
import { parseResolvedParams } from "../../../src/flow";
import type { JsonValue } from "../../../src/lib/json";
import { respondNode } from "../../../src/nodes/respond/run";
import { readRespondOutput, responseHeaderProblem } from "../../../src/nodes/respond/response";
import { respond } from "../../../src/nodes/respond/spec";
import type { NodeContext } from "../../../src/nodes/types";

async function answer(params: Record<string, unknown>, input: JsonValue): Promise<unknown> {
  const resolved = respond.resolved.parse(params);
  const outcome = await respondNode.run({ params: resolved, input } as NodeContext<typeof resolved>);
  expect(outcome).toMatchObject({ kind: "done", action: "default" });
  return (outcome as { output: unknown }).output;
}

describe("respond node", () => {
  it("answers 200 with its input by default", async () => {
    expect(await answer({}, { order: 7 })).toEqual({ status: 200, headers: {}, body: { order: 7 } });
  });

  it("answers the given status, headers (lower-case names, text values) and body", async () => {
    const output = await answer({ status: 201, headers: { Location: "/o/7", "X-Count": 3, "X-Ok": true }, body: "<ok/>" }, null);
    expect(output).toEqual({ status: 201, headers: { location: "/o/7", "x-count": "3", "x-ok": "true" }, body: "<ok/>" });
    // An explicit null body is kept, not replaced by the input.
    expect(await answer({ status: 204, body: null }, { x: 1 })).toEqual({ status: 204, headers: {}, body: null });
  });

  it("declares an effect: the answer leaves the run", () => {
    expect(respondNode.sideEffects(respond.resolved.parse({}))).toBe(true);
  });

  it("refuses at run time what a template produced outside the rules", () => {
    expect(parseResolvedParams(respond, "n", { status: 700 }).ok).toBe(false);
    expect(parseResolvedParams(respond, "n", { headers: { "X-A": "one\ntwo" } }).ok).toBe(false);
    expect(parseResolvedParams(respond, "n", { headers: { "set-cookie": "a=b" } }).ok).toBe(false);
  });
});

describe("readRespondOutput", () => {
  it("reads what the node records", () => {
    expect(readRespondOutput({ status: 202, headers: { "content-type": "text/xml" }, body: "<x/>" })).toEqual({
      status: 202,
      headers: { "content-type": "text/xml" },
      body: "<x/>",
    });
  });

  it("refuses a recorded answer that a hook script bent out of shape", () => {
    for (const bad of [
      null,
      "text",
      { status: 99, headers: {}, body: null },
      { status: 200.5, headers: {}, body: null },
      { status: 200, headers: { "set-cookie": "a=b" }, body: null },
      { status: 200, headers: { "x-a": "b\r\nc: d" }, body: null },
      { status: 200, headers: { "x-a": 1 }, body: null },
      { status: 200, headers: ["x"], body: null },
    ] as JsonValue[]) {
      expect(readRespondOutput(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it("names the headers a flow cannot set", () => {
    for (const name of ["Connection", "transfer-encoding", "Content-Length", "Set-Cookie", "Access-Control-Allow-Origin", "bad name"]) {
      expect(responseHeaderProblem(name), name).toBeDefined();
    }
    for (const name of ["Content-Type", "Location", "Cache-Control", "X-Request-Id", "WWW-Authenticate"]) {
      expect(responseHeaderProblem(name), name).toBeUndefined();
    }
  });
});
