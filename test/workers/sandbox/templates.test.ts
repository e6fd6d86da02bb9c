import { beforeAll, describe, expect, it } from "vitest";
import { evaluateTemplates, REDACTED, referencedSecrets, resolveSecrets, type SecretResolver } from "../../../src/expressions";
import type { JsonValue } from "../../../src/lib/json";
import { getSandbox, type Sandbox } from "../../../src/sandbox";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await getSandbox();
});

const vault: Record<string, JsonValue> = { API_KEY: "sk-live-0123456789", UNUSED: "do-not-load-me" };
const resolver: SecretResolver = {
  async resolve(names) {
    const keys = names === "all" ? Object.keys(vault) : names.filter((name) => name in vault);
    return Object.fromEntries(keys.map((key) => [key, vault[key]!]));
  },
};

describe("templates through the real sandbox", () => {
  it("evaluates full JavaScript expressions, with braces, in params", async () => {
    const input = { orders: [{ id: 1, lines: [{ price: 2 }, { price: 3 }] }], name: "Ada" };
    const params: JsonValue = {
      total: "${ input.orders.map((o) => o.lines.reduce((s, l) => s + l.price, 0)) }",
      obj: "${ ({ who: input.name, tags: ['a}', `b${1}`] }) }",
      text: "Hello ${ input.name.toUpperCase() }, ${ input.orders.length } order(s) ${ JSON.stringify({ k: 1 }) }",
      typedNull: "${ undefined }",
      q: "${ JSON.parse(shared.llm_result.tool_calls[0].function.arguments).query }",
    };
    const shared = { llm_result: { tool_calls: [{ function: { arguments: '{"query":"edge"}' } }] } };
    expect(await evaluateTemplates(params, { input, shared }, { sandbox, nodeId: "each" })).toEqual({
      ok: true,
      logs: [],
      value: {
        total: [5],
        obj: { who: "Ada", tags: ["a}", "b1"] },
        text: 'Hello ADA, 1 order(s) {"k":1}',
        typedNull: null,
        q: "edge",
      },
    });
  });

  it("reports sandbox errors with the node and param path", async () => {
    const result = await evaluateTemplates(
      { headers: { Authorization: "Bearer ${foo.bar}" } },
      { input: {} },
      { sandbox, nodeId: "fetch" },
    );
    expect(result).toMatchObject({
      ok: false,
      error: {
        node: "fetch",
        path: "nodes.fetch.params.headers.Authorization",
        kind: "runtime",
        message: "nodes.fetch.params.headers.Authorization: ReferenceError: 'foo' is not defined",
      },
    });
    const syntax = await evaluateTemplates({ a: "${ input. }" }, { input: {} }, { sandbox });
    expect(syntax).toMatchObject({ ok: false, error: { kind: "syntax", path: "params.a" } });
  });

  it("runs a loop in an expression under the same limits", async () => {
    const result = await evaluateTemplates("${ (() => { while (true) {} })() }", {}, { sandbox, limits: { instructionBudget: 10 } });
    expect(result).toMatchObject({ ok: false, error: { kind: "timeout" } });
  });

  it("only referenced secrets enter the scope, and the redactor hides them in what is stored", async () => {
    const headers = { Authorization: "Bearer ${secrets.API_KEY}" };
    const params: JsonValue = { headers, probe: "${ Object.keys(secrets).join() }" };
    // Only the headers are analysed here, to show that the scope holds no more than what was resolved.
    const refs = referencedSecrets({ headers });
    const { secrets, redactor } = await resolveSecrets(refs, resolver);
    expect(secrets).toEqual({ API_KEY: "sk-live-0123456789" });
    const result = await evaluateTemplates(params, { secrets }, { sandbox, nodeId: "fetch" });
    expect(result).toMatchObject({ ok: true, value: { headers: { Authorization: "Bearer sk-live-0123456789" }, probe: "API_KEY" } });
    expect(redactor.value(result.ok ? result.value : null)).toEqual({ headers: { Authorization: `Bearer ${REDACTED}` }, probe: "API_KEY" });

    const leaked = await sandbox.runScript("console.log('key is', secrets.API_KEY); throw new Error('bad ' + secrets.API_KEY)", {
      secrets,
    });
    const safe = redactor.result(leaked);
    expect(JSON.stringify(safe)).not.toContain("sk-live-0123456789");
    expect(safe).toMatchObject({ ok: false, error: { message: `Error: bad ${REDACTED}` }, logs: [{ message: `key is ${REDACTED}` }] });
  });
});
