import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTED, Redactor } from "../../../src/expressions";

describe("Redactor", () => {
  const redactor = Redactor.fromSecrets({
    API_KEY: "sk-live-abc123",
    PIN: 987654,
    DB: { host: "db.internal", password: "p@ss w/rd+" },
    SHORT: "abc",
    LIST: ["tok-1111"],
  });

  it("replaces values, leaves of structured secrets and numbers, but not short values", () => {
    expect(redactor.string("Authorization: Bearer sk-live-abc123")).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactor.string("pin 987654, host db.internal, pw p@ss w/rd+, list tok-1111")).toBe(
      `pin ${REDACTED}, host ${REDACTED}, pw ${REDACTED}, list ${REDACTED}`,
    );
    expect(redactor.string("abc is too short to redact")).toBe("abc is too short to redact");
  });

  it("catches common encodings", () => {
    const b64 = btoa("sk-live-abc123");
    expect(redactor.string(`basic ${b64}`)).toBe(`basic ${REDACTED}`);
    expect(redactor.string(`q=${encodeURIComponent("p@ss w/rd+")}`)).toBe(`q=${REDACTED}`);
    expect(redactor.string(JSON.stringify({ pw: 'quote"d' }))).toContain("quote");
    const quoted = Redactor.fromSecrets({ Q: 'quo"te\\d' });
    expect(quoted.string(JSON.stringify({ pw: 'quo"te\\d' }))).toBe(`{"pw":"${REDACTED}"}`);
    const url = Redactor.fromSecrets({ U: "a+b/c?d" });
    expect(url.string(btoa("a+b/c?d").replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_"))).toBe(REDACTED);
  });

  it("redacts deep values, keys included, without touching the original", () => {
    const value = { headers: { Authorization: "Bearer sk-live-abc123" }, "sk-live-abc123": [987654, 5, "ok"], n: null };
    expect(redactor.value(value)).toEqual({ headers: { Authorization: `Bearer ${REDACTED}` }, [REDACTED]: [REDACTED, 5, "ok"], n: null });
    expect(value.headers.Authorization).toBe("Bearer sk-live-abc123");
  });

  it("redacts logs, errors and whole sandbox results", () => {
    expect(redactor.logs([{ level: "log", message: "key sk-live-abc123" }])).toEqual([{ level: "log", message: `key ${REDACTED}` }]);
    expect(redactor.error({ kind: "runtime", message: "Error: bad sk-live-abc123", stack: "at sk-live-abc123" })).toEqual({
      kind: "runtime",
      message: `Error: bad ${REDACTED}`,
      stack: `at ${REDACTED}`,
    });
    expect(redactor.result({ ok: true, value: "sk-live-abc123", logs: [], shared: { k: "sk-live-abc123" } })).toEqual({
      ok: true,
      value: REDACTED,
      logs: [],
      shared: { k: REDACTED },
    });
    expect(
      redactor.result({
        ok: false,
        error: { kind: "runtime", message: "sk-live-abc123" },
        logs: [{ level: "warn", message: "sk-live-abc123" }],
      }),
    ).toEqual({
      ok: false,
      error: { kind: "runtime", message: REDACTED },
      logs: [{ level: "warn", message: REDACTED }],
    });
  });

  it("prefers the longest match when secrets overlap, and handles regex metacharacters", () => {
    const overlap = new Redactor(["abcd", "abcdefgh", "a.b*c(d)"]);
    expect(overlap.string("xx abcdefgh yy abcd a.b*c(d) aXbbc")).toBe(`xx ${REDACTED} yy ${REDACTED} ${REDACTED} aXbbc`);
  });

  it("is inert without secrets", () => {
    const none = Redactor.fromSecrets({});
    expect(none.active).toBe(false);
    const value = { a: "b" };
    expect(none.value(value)).toBe(value);
  });

  it("never leaves a secret in its output", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 20 }), fc.string(), fc.string(), (secret, before, after) => {
        const r = Redactor.fromSecrets({ S: secret });
        expect(r.string(before + secret + after)).not.toContain(secret);
      }),
    );
  });
});
