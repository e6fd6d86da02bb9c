import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { commandHelp } from "../../src/cli/_command";
import { ENTRIES, isGroup } from "../../src/cli/main";
import { json, type Result, serverReady, User } from "./helpers";

const PASSWORD = "correct horse battery";
const user = new User("cli-auth-alice");
const configFile = () => path.join(user.home, "config/flowrunner/config.json");
const config = () =>
  json<{ profiles: Record<string, { url: string; token: string; token_id?: string; username: string }> }>(
    readFileSync(configFile(), "utf8"),
  );

let created: Result;
let loggedIn: Result;

beforeAll(async () => {
  await serverReady();
  created = await user.run(["accounts", "create", "--url", user.url, "--username", user.username], { input: PASSWORD + "\n" });
  loggedIn = await user.run(["login", "--url", user.url, "--username", user.username], { input: PASSWORD + "\n" });
});

describe.concurrent("accounts and login", () => {
  it("creates an account with the password from stdin", () => {
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(
      /^Created account cli-auth-alice \(acc_[a-z0-9]{25}\) on http:\/\/127\.0\.0\.1:\d+\nNext: flowrunner login --url http:\/\/127\.0\.0\.1:\d+ --username cli-auth-alice\n$/,
    );
    expect(created.stdout + created.stderr).not.toContain(PASSWORD);
  });

  it("refuses a taken username with the API's error", async () => {
    const r = await user.run(["accounts", "create", "--url", user.url, "--username", user.username], { input: PASSWORD + "\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: conflict: /);
  });

  it("logs in with a password from stdin and stores an API token, not the JWT, in a 0600 file", async () => {
    const r = loggedIn;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Logged in to ${user.url} as cli-auth-alice (profile 'default'`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(configFile())).mode & 0o077).toBe(0);
    const profile = config().profiles.default!;
    expect(profile).toMatchObject({ url: user.url, username: "cli-auth-alice", token_id: expect.stringMatching(/^tok_/) });
    expect(profile.token).toMatch(/^frt_[a-z0-9]{40}$/);
    expect(readFileSync(configFile(), "utf8")).not.toContain(PASSWORD);

    const tokens = json<{ tokens: { id: string; name: string }[] }>((await user.run(["tokens", "list", "--json"])).stdout).tokens;
    expect(tokens.map((t) => t.id)).toContain(profile.token_id);
    expect(tokens.find((t) => t.id === profile.token_id)!.name).toMatch(/^cli@/);
  });

  it("shows the account with accounts me (table and --json)", async () => {
    const table = await user.run(["accounts", "me"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^id +acc_[a-z0-9]{25}\nusername +cli-auth-alice\nserver +http:\/\/127\.0\.0\.1:\d+\n/);
    const me = json((await user.run(["accounts", "me", "--json"])).stdout);
    expect(me).toMatchObject({ username: "cli-auth-alice", id: expect.stringMatching(/^acc_/) });
  });

  it("keeps named profiles apart, and lets FLOWRUNNER_URL and FLOWRUNNER_TOKEN override them", async () => {
    const bob = new User("cli-auth-bob");
    await bob.login();
    const created = await bob.run(["tokens", "create", "for-env", "--json"]);
    const bobToken = json<{ token: string }>(created.stdout).token;

    const r = await user.run(["login", "--url", user.url, "--token", bobToken, "--profile", "bob"]);
    expect(r.code, r.stderr).toBe(0);
    expect(config().profiles.bob).toMatchObject({ username: "cli-auth-bob", token: bobToken });
    expect(json((await user.run(["accounts", "me", "--json", "--profile", "bob"])).stdout)).toMatchObject({ username: "cli-auth-bob" });
    expect(json((await user.run(["accounts", "me", "--json"], { env: { FLOWRUNNER_PROFILE: "bob" } })).stdout)).toMatchObject({
      username: "cli-auth-bob",
    });
    expect(json((await user.run(["accounts", "me", "--json"])).stdout)).toMatchObject({ username: "cli-auth-alice" });
    expect(json((await user.run(["accounts", "me", "--json"], { env: { FLOWRUNNER_TOKEN: bobToken } })).stdout)).toMatchObject({
      username: "cli-auth-bob",
    });

    // Environment alone, no config file at all.
    const stranger = new User("nobody");
    const viaEnv = await stranger.run(["accounts", "me", "--json"], { env: { FLOWRUNNER_URL: user.url, FLOWRUNNER_TOKEN: bobToken } });
    expect(json(viaEnv.stdout)).toMatchObject({ username: "cli-auth-bob" });
    const missing = await stranger.run(["accounts", "me", "--profile", "ghost"]);
    expect(missing).toMatchObject({ code: 3, stdout: "" });
    expect(missing.stderr).toContain("error: no profile 'ghost': run 'flowrunner login --url <server> --profile ghost'");
  });

  it("says how to log in when there are no credentials (exit 3)", async () => {
    const r = await new User("fresh").run(["flows", "list"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("error: not logged in: run 'flowrunner login --url <server>'");
  });

  it("shows a wrong password as the API's error (exit 1), and a bad token likewise", async () => {
    const r = await new User("other").run(["login", "--url", user.url, "--username", user.username], { input: "wrong password\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: unauthorized: /);
    const bad = await new User("other").run(["accounts", "me"], { env: { FLOWRUNNER_URL: user.url, FLOWRUNNER_TOKEN: "frt_nope" } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: unauthorized: .*\nhint: log in again/);
  });

  it("reports an unreachable server", async () => {
    const r = await new User("x").run(["accounts", "me"], { env: { FLOWRUNNER_URL: "http://127.0.0.1:65000", FLOWRUNNER_TOKEN: "frt_x" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: network_error: cannot reach http:\/\/127\.0\.0\.1:65000: ECONNREFUSED/);
  });

  it("logs out: revokes the token it created and forgets the profile", async () => {
    const carol = new User("cli-auth-carol");
    await carol.login();
    const { token, token_id } = json<{ profiles: Record<string, { token: string; token_id: string }> }>(
      readFileSync(path.join(carol.home, "config/flowrunner/config.json"), "utf8"),
    ).profiles.default!;
    const r = await carol.run(["logout"]);
    expect(r).toMatchObject({ code: 0, stdout: `Logged out of ${carol.url} (profile 'default', token revoked)\n` });
    const after = await carol.run(["accounts", "me"], { env: { FLOWRUNNER_URL: carol.url, FLOWRUNNER_TOKEN: token } });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^error: unauthorized/);
    expect(token_id).toMatch(/^tok_/);
    expect((await carol.run(["accounts", "me"])).code).toBe(3);
  });

  it("creates, lists and revokes API tokens", async () => {
    const created = await user.run(["tokens", "create", "deploy", "--expires-in-days", "30"]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^frt_[a-z0-9]{40}\n$/);
    expect(created.stderr).toMatch(/^Created token tok_[a-z0-9]{25} 'deploy', expires .*not shown again/);
    const id = /tok_[a-z0-9]{25}/.exec(created.stderr)![0];
    const list = await user.run(["tokens", "list"]);
    expect(list.stdout).toMatch(/^ID +NAME +PREFIX +CREATED +EXPIRES +LAST USED +REVOKED\n/);
    expect(list.stdout).toContain(id);
    expect(list.stdout).not.toContain(created.stdout.trim());
    const revoked = await user.run(["tokens", "revoke", id]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked token ${id}\n` });
    const token = created.stdout.trim();
    expect((await user.run(["accounts", "me"], { env: { FLOWRUNNER_TOKEN: token } })).code).toBe(1);
    const again = await user.run(["tokens", "revoke", "tok_0123456789abcdefghijklmno"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: not_found: /);
  });
});

describe.concurrent("usage", () => {
  it("answers usage errors with exit 3 and a pointer to --help", async () => {
    const unknown = await user.run(["frobnicate"]);
    expect(unknown).toMatchObject({ code: 3, stderr: "error: unknown command 'frobnicate'\nRun 'flowrunner --help' for usage.\n" });
    const sub = await user.run(["flows", "frob"]);
    expect(sub).toMatchObject({ code: 3, stderr: "error: unknown command 'flows frob'\nRun 'flowrunner flows --help' for usage.\n" });
    const option = await user.run(["flows", "list", "--bogus"]);
    expect(option.code).toBe(3);
    expect(option.stderr).toContain("error: Unknown option '--bogus'");
    const missing = await user.run(["flows", "get"]);
    expect(missing).toMatchObject({
      code: 3,
      stderr: "error: missing argument: expected <flow>\nRun 'flowrunner flows get --help' for usage.\n",
    });
    const extra = await user.run(["validate", "a.yaml", "--limit", "x"]);
    expect(extra.code).toBe(3);
    expect((await user.run([])).code).toBe(3);
    expect((await user.run(["--version"])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("has --help with examples for every command", async () => {
    const paths = ENTRIES.flatMap((e) =>
      isGroup(e) ? e.commands.map((c) => [`${e.name} ${c.name}`, c] as const) : [[e.name, e] as const],
    );
    expect(paths).toHaveLength(60);
    for (const [path, command] of paths) {
      const help = commandHelp(path, command);
      expect(help, path).toContain(`Usage: flowrunner ${path}`);
      expect(help, path).toMatch(/\nExamples:\n {2}flowrunner /);
      for (const example of command.examples ?? []) expect(example, path).toContain(`flowrunner ${path}`);
    }
    // And as a user sees it.
    const [main, group, command] = await Promise.all([user.run(["--help"]), user.run(["flows", "--help"]), user.run(["help", "run"])]);
    expect(main).toMatchObject({ code: 0, stderr: "" });
    for (const e of ENTRIES) expect(main.stdout).toMatch(new RegExp(`^  ${e.name} +${e.summary.replace(/[()]/g, "\\$&")}$`, "m"));
    expect(group.stdout).toContain("Usage: flowrunner flows <command> [options]\n\nCommands:\n  list ");
    expect(command.stdout).toContain("Usage: flowrunner run <flow> [options]");
    expect(command.stdout).toContain("  -f, --follow ");
  });
});
