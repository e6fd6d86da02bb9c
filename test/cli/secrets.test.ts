import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { json, type Result, User } from "./helpers";

const user = new User("cli-secrets");
const VALUE = "sk-live-9f8e7d6c5b4a";
const DB_PASSWORD = "pw-0a1b2c3d4e5f";

const neverShows = (r: Result, ...values: string[]) => {
  for (const value of values) {
    expect(r.stdout).not.toContain(value);
    expect(r.stderr).not.toContain(value);
  }
};

beforeAll(() => user.login());

describe("flowrunner secrets", () => {
  it("sets a secret from stdin without echoing it", async () => {
    const r = await user.run(["secrets", "set", "API_KEY", "--description", "Billing API", "--tag", "billing", "--tag", "prod"], {
      input: VALUE + "\n",
    });
    expect(r).toMatchObject({ code: 0, stdout: "Created secret API_KEY (plain)\n", stderr: "" });
    neverShows(r, VALUE);
    const again = await user.run(["secrets", "set", "API_KEY", "--description", "Billing API"], { input: VALUE });
    expect(again).toMatchObject({ code: 0, stdout: "Replaced secret API_KEY (plain)\n" });
  });

  it("takes structured secrets from --data-file or stdin", async () => {
    const file = user.file("db.json", JSON.stringify({ type: "postgres", host: "db.internal", username: "app", password: DB_PASSWORD }));
    const r = await user.run(["secrets", "set", "DB", "--type", "database", "--data-file", file]);
    expect(r).toMatchObject({ code: 0, stdout: "Created secret DB (database)\n" });
    neverShows(r, DB_PASSWORD);
    const piped = await user.run(["secrets", "set", "PARTNER", "--type", "api_key"], {
      input: JSON.stringify({ key: VALUE, header_name: "X-Key" }),
    });
    expect(piped).toMatchObject({ code: 0, stdout: "Created secret PARTNER (api_key)\n" });
    const invalid = await user.run(["secrets", "set", "BROKEN", "--type", "database"], { input: '{"type": "postgres"}' });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error: validation_failed: .*\n {2}data\.host: /);
    const notJson = await user.run(["secrets", "set", "BROKEN", "--type", "custom"], { input: "nope" });
    expect(notJson.code).toBe(3);
  });

  it("never accepts a value in the arguments, nor an empty one", async () => {
    const r = await user.run(["secrets", "set", "LEAK", "--value", "oops"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("Unknown option '--value'");
    const extra = await user.run(["secrets", "set", "LEAK", "oops"]);
    expect(extra.code).toBe(3);
    expect(extra.stderr).toContain("unexpected argument 'oops'");
    const empty = await user.run(["secrets", "set", "EMPTY"], { input: "" });
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/^error: empty value/);
  });

  it("lists names and metadata, never values", async () => {
    const r = await user.run(["secrets", "list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.replace(/ {2,}/g, " | "));
    expect(lines[0]).toBe("KEY | TYPE | DESCRIPTION | TAGS | UPDATED | LAST USED");
    expect(lines.slice(1).map((l) => l.split(" | ").slice(0, 4).join(" | "))).toEqual([
      "API_KEY | plain | Billing API | -",
      "DB | database | - | -",
      "PARTNER | api_key | - | -",
    ]);
    const data = await user.run(["secrets", "list", "--json", "--type", "database"]);
    expect(json<{ secrets: { key: string }[] }>(data.stdout).secrets.map((s) => s.key)).toEqual(["DB"]);
    neverShows(r, VALUE, DB_PASSWORD);
    neverShows(data, VALUE, DB_PASSWORD);
  });

  it("lets flows use a secret, redacted in what the CLI shows", async () => {
    const flow = user.file(
      "uses-secret.yaml",
      `metadata: {name: Uses secret}
nodes:
  peek:
    type: transform
    params: {script: "console.log('key is', secrets.API_KEY); return { length: secrets.API_KEY.length, key: secrets.API_KEY }"}
`,
    );
    expect((await user.run(["flows", "create", flow])).code).toBe(0);
    const r = await user.run(["run", "Uses secret", "--follow"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`"length": ${VALUE.length}`);
    neverShows(r, VALUE);
  });

  it("deletes a secret", async () => {
    expect(await user.run(["secrets", "delete", "PARTNER"])).toMatchObject({ code: 0, stdout: "Deleted secret PARTNER\n" });
    const again = await user.run(["secrets", "delete", "PARTNER"]);
    expect(again).toMatchObject({ code: 1, stderr: "error: not_found: Secret not found\n" });
  });

  it("keeps no secret value in the CLI's config directory", () => {
    const dir = path.join(user.home, "config/flowrunner");
    for (const file of readdirSync(dir)) {
      const text = readFileSync(path.join(dir, file), "utf8");
      expect(text).not.toContain(VALUE);
      expect(text).not.toContain(DB_PASSWORD);
    }
  });
});
