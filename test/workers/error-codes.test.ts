/**
 * Every error answer carries a code docs/api.md lists for its status. The
 * walk takes every operation of the OpenAPI document and sends it the
 * mistakes clients make (no credentials, wrong or odd content types, broken
 * and over-budget JSON, bad parameters, a wrong method), against real
 * resources of the caller's and ids that do not exist.
 */
import { describe, expect, it } from "vitest";
import apiDoc from "../../docs/api.md?raw";
import { call, ECHO_FLOW, runFlow, saveFlow, signUp, type TestUser } from "../helpers/api";

/** status → codes, from the "Errors" table of docs/api.md. */
function documentedCodes(): Map<number, Set<string>> {
  const codes = new Map<number, Set<string>>();
  for (const match of apiDoc.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)) {
    const status = Number(match[1]);
    if (!codes.has(status)) codes.set(status, new Set());
    codes.get(status)!.add(match[2]!);
  }
  return codes;
}

interface Operation {
  method: string;
  path: string;
  secured: boolean;
  hasBody: boolean;
}

async function operations(): Promise<Operation[]> {
  const doc = (await (await call("/api/v1/openapi.json")).json()) as {
    paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      secured: (op.security ?? []).length > 0,
      hasBody: op.requestBody !== undefined,
    })),
  );
}

function concrete(path: string, ids: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? "x");
}

interface Probe {
  name: string;
  init: (user: TestUser) => RequestInit;
  query?: string;
}

const deep = `{"input": ${"[".repeat(200)}${"]".repeat(200)}}`;
const probes = (op: Operation): Probe[] => {
  const authed = (user: TestUser, headers: Record<string, string> = {}, body?: string): RequestInit => ({
    method: op.method,
    headers: { ...user.auth, ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const list: Probe[] = [
    { name: "no credentials", init: () => ({ method: op.method }) },
    { name: "a bad credential", init: () => ({ method: op.method, headers: { Authorization: "Bearer nope" } }) },
    { name: "bad query parameters", init: (u) => authed(u), query: "?limit=abc&wait=-1&cursor=%00&since=yesterday&full=maybe&after=-5" },
  ];
  if (op.hasBody || ["POST", "PUT", "PATCH"].includes(op.method)) {
    list.push(
      { name: "text/plain", init: (u) => authed(u, { "Content-Type": "text/plain" }, "hello") },
      { name: "no content type", init: (u) => authed(u, {}, "{}") },
      { name: "malformed JSON", init: (u) => authed(u, { "Content-Type": "application/json" }, '{"a": ') },
      { name: "JSON with an odd but valid type", init: (u) => authed(u, { "Content-Type": "Application/JSON ; Charset=utf-8" }, "{}") },
      { name: "another charset", init: (u) => authed(u, { "Content-Type": "application/json; charset=utf-16" }, "{}") },
      { name: "JSON past the depth budget", init: (u) => authed(u, { "Content-Type": "application/json" }, deep) },
      { name: "a JSON array", init: (u) => authed(u, { "Content-Type": "application/json" }, "[1, 2]") },
      { name: "YAML", init: (u) => authed(u, { "Content-Type": "text/yaml" }, "a: [") },
    );
  }
  return list;
};

describe("error codes match docs/api.md", () => {
  it("for every operation, every probe, on real resources and missing ones", async () => {
    const codes = documentedCodes();
    expect(codes.get(400)).toContain("validation_failed");
    const user = await signUp();
    const flowId = await saveFlow(user, ECHO_FLOW);
    const run = await runFlow(user, flowId, { a: 1 });
    const real = { id: flowId, account: "me", key: "SOME_KEY", name: "evt", version: "1" };
    const missing = { id: "flw_doesnotexist0000000000000", account: "acc_other", key: "0bad key", name: "evt", version: "0" };
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(20);

    const wrong: string[] = [];
    let answered = 0;
    for (const op of ops) {
      const variants = [real, missing, ...(op.path.startsWith("/api/v1/executions/{id}") ? [{ ...real, id: run.id }] : [])];
      for (const ids of variants) {
        for (const probe of probes(op)) {
          const res = await call(concrete(op.path, ids) + (probe.query ?? ""), probe.init(user));
          answered++;
          if (res.status < 400) continue;
          const text = await res.text();
          const code = (() => {
            try {
              return (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
            } catch {
              return undefined;
            }
          })();
          if (!codes.get(res.status)?.has(String(code)))
            wrong.push(`${op.method} ${op.path} (${probe.name}): ${res.status} ${String(code)}`);
        }
      }
      // A method the path does not take.
      const other = op.method === "DELETE" ? "PATCH" : "DELETE";
      if (!ops.some((o) => o.path === op.path && o.method === other)) {
        const res = await call(concrete(op.path, real), { method: other, headers: user.auth });
        const body = (await res.json()) as { error: { code: string } };
        if (!codes.get(res.status)?.has(body.error.code)) wrong.push(`${other} ${op.path}: ${res.status} ${body.error.code}`);
      }
    }
    expect(answered).toBeGreaterThan(200);
    expect(wrong).toEqual([]);
  });
});
