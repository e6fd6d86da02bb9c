import { describe, expect, it } from "vitest";
import { mergeSecretRefs, referencedSecrets, resolveSecrets, type SecretResolver } from "../../../src/expressions";
import type { JsonValue } from "../../../src/lib/json";

const names = (refs: Set<string> | "all") => (refs === "all" ? "all" : [...refs].sort());

describe("referencedSecrets in templates", () => {
  it.each([
    ["Bearer ${secrets.API_KEY}", ["API_KEY"]],
    ['${secrets["X-TOKEN"]}', ["X-TOKEN"]],
    ["${secrets['a']}${secrets?.b}${secrets?.['c']}", ["a", "b", "c"]],
    ["${secrets.DB.password}", ["DB"]],
    ["${globalThis.secrets.G}", ["G"]],
    ['${globalThis["secrets"].H}', ["H"]],
    ["${input.secrets}", []],
    ["${input.secrets.x}", []],
    ["${ ({ secrets: 1 }).secrets }", []],
    ["no template, secrets.X", []],
    ["$${secrets.ESCAPED}", []],
    ["${ 'secrets.IN_STRING' }", []],
    ["${ `${secrets.T}` }", ["T"]],
    ["${ secrets[`TPL`] }", ["TPL"]],
    // An invalid template fails before any expression in it runs.
    ["${ 'unterminated secrets.U }", []],
  ])("%s", (template, expected) => {
    expect(names(referencedSecrets(template))).toEqual(expected);
  });

  it.each([
    ["${secrets[input.key]}"],
    ["${secrets}"],
    ["${Object.keys(secrets)}"],
    ["${JSON.stringify(secrets)}"],
    ["${ ((s) => s.A)(secrets) }"],
    ["${ input.x ? secrets : null }"],
    ["${ secrets[`${k}`] }"],
  ])("%s → all", (template) => {
    expect(referencedSecrets(template)).toBe("all");
  });

  it("walks objects, arrays and keys", () => {
    const params: JsonValue = {
      url: "https://x/${secrets.HOST_PATH}",
      headers: { Authorization: "Bearer ${secrets.API_KEY}", "${secrets.HEADER_NAME}": "v" },
      list: [1, null, "${secrets.IN_LIST}"],
    };
    expect(names(referencedSecrets(params))).toEqual(["API_KEY", "HEADER_NAME", "HOST_PATH", "IN_LIST"]);
  });
});

describe("referencedSecrets in scripts", () => {
  it("reads the whole string as code", () => {
    expect(
      names(referencedSecrets("const k = secrets.API_KEY;\n// secrets.COMMENTED\nreturn fetchish(k, secrets['B'])", "script")),
    ).toEqual(["API_KEY", "B"]);
    expect(referencedSecrets("const { A } = secrets; return A", "script")).toBe("all");
    expect(names(referencedSecrets("return input.a", "script"))).toEqual([]);
  });
});

describe("mergeSecretRefs and resolveSecrets", () => {
  it("merges", () => {
    expect(names(mergeSecretRefs(new Set(["a"]), new Set(["b", "a"])))).toEqual(["a", "b"]);
    expect(mergeSecretRefs(new Set(["a"]), "all")).toBe("all");
  });

  it("asks the resolver only for referenced names and builds a redactor from them", async () => {
    const vault: Record<string, JsonValue> = {
      API_KEY: "sk-live-123456",
      OTHER: "never-asked-for",
      DB: { user: "app", password: "pa55word!" },
    };
    const asked: (readonly string[] | "all")[] = [];
    const resolver: SecretResolver = {
      async resolve(wanted) {
        asked.push(wanted);
        const keys = wanted === "all" ? Object.keys(vault) : wanted.filter((k) => k in vault);
        return Object.fromEntries(keys.map((k) => [k, vault[k]!]));
      },
    };
    const { secrets, redactor } = await resolveSecrets(
      referencedSecrets({ a: "${secrets.API_KEY}", b: "${secrets.DB.password}", c: "${secrets.MISSING}" }),
      resolver,
    );
    expect(asked).toEqual([["API_KEY", "DB", "MISSING"]]);
    expect(secrets).toEqual({ API_KEY: "sk-live-123456", DB: { user: "app", password: "pa55word!" } });
    expect(redactor.string("key=sk-live-123456 pw=pa55word! other=never-asked-for")).toBe(
      "key=[REDACTED] pw=[REDACTED] other=never-asked-for",
    );
    expect(await resolveSecrets(new Set(), resolver)).toMatchObject({ secrets: {} });
    expect(asked).toHaveLength(1);
    expect(Object.keys((await resolveSecrets("all", resolver)).secrets)).toEqual(["API_KEY", "OTHER", "DB"]);
  });
});
