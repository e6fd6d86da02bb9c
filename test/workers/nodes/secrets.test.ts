import { describe, expect, it } from "vitest";
import { REDACTED } from "../../../src/expressions";
import { done, fail, fakeFetch, run, secretVault } from "./helpers";

const API_KEY = "sk-live-5f3a9c1e7d2b4a68";
const DB_PASSWORD = "correct-horse-battery-staple";
const vaultValues = { API_KEY, DB_PASSWORD, UNUSED: "never-asked-for-this-one" };

describe("only referenced secrets are resolved", () => {
  it("a node that references no secret does not ask the vault", async () => {
    const vault = secretVault(vaultValues);
    const { outcome } = await run(
      { type: "transform", params: { script: "return typeof secrets + ':' + Object.keys(secrets).length" } },
      {},
      { secrets: vault },
    );
    // `Object.keys(secrets)` reads secrets dynamically, so this one does ask for all…
    expect(vault.asked).toEqual(["all"]);
    expect(done(outcome).output).toBe("object:3");

    const quiet = secretVault(vaultValues);
    await run({ type: "transform", params: { script: "return input" } }, { input: 1 }, { secrets: quiet });
    // …while this one asks for nothing.
    expect(quiet.asked).toEqual([]);
  });

  it("names from param templates, the script and hooks are asked for together, once, sorted", async () => {
    const vault = secretVault(vaultValues);
    const http = fakeFetch(() => ({ body: {} }));
    const { outcome } = await run(
      {
        type: "http.request",
        params: { url: "https://api.example.test/", headers: { Authorization: "Bearer ${secrets.API_KEY}" } },
        hooks: { post: "return secrets.DB_PASSWORD.length > 0 && secrets['MISSING'] === undefined ? 'checked' : 'no'" },
      },
      {},
      { secrets: vault, fetch: http.fetch },
    );
    expect(vault.asked).toEqual([["API_KEY", "DB_PASSWORD", "MISSING"]]);
    expect(http.calls[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(done(outcome).action).toBe("checked");
  });

  it("the scope holds only what was resolved", async () => {
    const vault = secretVault(vaultValues);
    const { outcome } = await run(
      { type: "transform", params: { script: "const k = secrets.API_KEY; return Object.keys(globalThis.secrets)" } },
      {},
      { secrets: vault },
    );
    // globalThis makes the access dynamic: all are resolved, and the scope has all of them.
    expect(vault.asked).toEqual(["all"]);
    expect(done(outcome).output).toEqual(["API_KEY", "DB_PASSWORD", "UNUSED"]);

    const narrow = secretVault(vaultValues);
    const listed = await run(
      { type: "transform", params: { script: "return [typeof secrets.API_KEY, secrets.UNUSED ?? 'absent']" } },
      {},
      { secrets: narrow },
    );
    expect(narrow.asked).toEqual([["API_KEY", "UNUSED"]]);
    expect(done(listed.outcome).output).toEqual(["string", REDACTED]);
  });

  it("batch.items templates count as references", async () => {
    const vault = secretVault({ LIST: ["a-value-1", "b-value-2"] });
    const { outcome } = await run(
      { type: "transform", params: { script: "return input.length" }, batch: { items: "${secrets.LIST}" } },
      {},
      { secrets: vault },
    );
    expect(vault.asked).toEqual([["LIST"]]);
    expect(done(outcome).output).toEqual([9, 9]);
  });

  it("a secret referenced only in a declarative condition is resolved (regression)", async () => {
    const vault = secretVault(vaultValues);
    const node = {
      type: "condition",
      params: { conditions: [{ condition: "input.key === secrets.API_KEY", action: "authorised" }], default_action: "denied" },
    };
    const { outcome } = await run(node, { input: { key: API_KEY } }, { secrets: vault });
    expect(vault.asked).toEqual([["API_KEY"]]);
    expect(done(outcome).action).toBe("authorised");
    const other = await run(node, { input: { key: "guess-guess" } }, { secrets: secretVault(vaultValues) });
    expect(done(other.outcome).action).toBe("denied");
  });
});

describe("secret values never leave the node", () => {
  const leaky = {
    type: "transform",
    params: {
      script: [
        "console.log('key is', secrets.API_KEY);",
        "console.warn({ nested: { pw: secrets.DB_PASSWORD } });",
        "shared.copy = secrets.API_KEY;",
        "return { key: secrets.API_KEY, pw: 'x' + secrets.DB_PASSWORD + 'y', json: JSON.stringify({ k: secrets.API_KEY }), fine: 'public' };",
      ].join("\n"),
    },
  };

  it("returned, logged and shared values are [REDACTED]", async () => {
    const { outcome, logs } = await run(leaky, {}, { secrets: secretVault(vaultValues) });
    const finished = done(outcome);
    expect(finished.output).toEqual({ key: REDACTED, pw: `x${REDACTED}y`, json: `{"k":"${REDACTED}"}`, fine: "public" });
    expect(finished.shared).toEqual({ copy: REDACTED });
    expect(logs).toEqual([
      { level: "info", message: `key is ${REDACTED}` },
      { level: "warn", message: `{"nested":{"pw":"${REDACTED}"}}` },
    ]);
    const everything = JSON.stringify({ finished, logs });
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(DB_PASSWORD);
  });

  it("a thrown secret is [REDACTED] in the error message, and logs before it too", async () => {
    const { error, logs } = await fail(
      {
        type: "transform",
        params: { script: "console.error('about to fail with', secrets.API_KEY);\nthrow new Error('bad key ' + secrets.API_KEY)" },
      },
      {},
      { secrets: secretVault(vaultValues) },
    );
    expect(error.code).toBe("script_runtime");
    expect(error.message).toBe(`script: Error: bad key ${REDACTED} (line 2, column 16)`);
    expect(logs).toEqual([{ level: "error", message: `about to fail with ${REDACTED}` }]);
    expect(JSON.stringify({ message: error.message, details: error.details, logs })).not.toContain(API_KEY);
  });

  it("a thrown non-Error value holding a secret is redacted", async () => {
    const { error } = await fail(
      { type: "transform", params: { script: "throw { token: secrets.API_KEY }" } },
      {},
      { secrets: secretVault(vaultValues) },
    );
    expect(error.message).toBe(`script: Uncaught {"token":"${REDACTED}"}`);
  });

  it("a failing template that shows a secret is redacted", async () => {
    const { error } = await fail(
      { type: "transform", params: { x: "${ JSON.parse(secrets.API_KEY) }", script: "return 1" } },
      { nodeId: "parse" },
      { secrets: secretVault(vaultValues) },
    );
    expect(error.code).toBe("template_error");
    expect(error.message.startsWith("nodes.parse.params.x: SyntaxError")).toBe(true);
    expect(error.message).not.toContain(API_KEY);
  });

  it("the output of a built-in node is redacted, the request itself carries the real value", async () => {
    const http = fakeFetch((url, init) => ({ body: { echoed: new Headers(init?.headers).get("Authorization"), url: url.toString() } }));
    const { outcome, logs } = await run(
      {
        type: "http.request",
        params: { url: "https://api.example.test/?key=${secrets.API_KEY}", headers: { Authorization: "Bearer ${secrets.API_KEY}" } },
      },
      {},
      { secrets: secretVault(vaultValues), fetch: http.fetch },
    );
    expect(http.calls[0]!.url).toBe(`https://api.example.test/?key=${API_KEY}`);
    const out = done(outcome).output as { body: { echoed: string; url: string }; metadata: { request_url: string } };
    expect(out.body).toEqual({ echoed: `Bearer ${REDACTED}`, url: `https://api.example.test/?key=${REDACTED}` });
    expect(out.metadata.request_url).toBe(`https://api.example.test/?key=${REDACTED}`);
    expect(logs).toEqual([
      {
        level: "info",
        message: `GET https://api.example.test/?key=${REDACTED} → 200`,
        data: { status_code: 200, timing_ms: expect.any(Number) },
      },
    ]);
    expect(JSON.stringify({ outcome, logs })).not.toContain(API_KEY);
  });

  it("an action built from a secret is redacted (regression)", async () => {
    const fromScript = await run(
      { type: "condition", params: { condition_script: "return secrets.API_KEY" } },
      {},
      { secrets: secretVault(vaultValues) },
    );
    expect(done(fromScript.outcome).action).toBe(REDACTED);
    const fromPost = await run(
      { type: "transform", params: { script: "return 1" }, hooks: { post: "return 'to-' + secrets.DB_PASSWORD" } },
      {},
      { secrets: secretVault(vaultValues) },
    );
    expect(done(fromPost.outcome).action).toBe(`to-${REDACTED}`);
  });
});
