import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Check } from "../../src/cli/commands/doctor";
import { json, serverReady, User } from "./helpers";

interface Report {
  ok: boolean;
  checks: Check[];
}

const byName = (report: Report) => Object.fromEntries(report.checks.map((check) => [check.name, check]));
const user = new User("cli-doctor");

beforeAll(() => user.login());

describe("flowrunner doctor", () => {
  it("passes against the test server with the saved login", async () => {
    const r = await user.run(["doctor"]);
    expect(r.code, r.stdout).toBe(0);
    for (const name of ["node", "config", "url", "token", "server", "version", "clock", "readiness", "auth"]) {
      expect(r.stdout).toMatch(new RegExp(`^[✓⚠] ${name}: `, "m"));
    }
    expect(r.stdout).toMatch(/^✓ auth: signed in as cli-doctor$/m);
    const report = json<Report>((await user.run(["doctor", "--json"])).stdout);
    expect(report.ok).toBe(true);
    const checks = byName(report);
    expect(checks.clock!.status).toBe("pass");
    expect(checks.config).toMatchObject({ status: "pass", message: expect.stringContaining("mode 600") });
    // A server without /ready (or /health's version) is older than the CLI: a warning, not a failure.
    if (checks.readiness!.status !== "pass")
      expect(checks.readiness).toMatchObject({ status: "warn", message: expect.stringMatching(/too old/) });
    if (checks.version!.status !== "pass") expect(checks.version!.status).toBe("warn");
  });

  it("says how to fix an unreachable server", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await user.run(["doctor"], { env: { FLOWRUNNER_URL: `http://127.0.0.1:${port}` } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(`^✗ server: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\n    fix: start the server`, "m"),
    );
  });

  it("fails on a token the server refuses, with the login to run", async () => {
    const r = await user.run(["doctor", "--json"], { env: { FLOWRUNNER_TOKEN: "frt_0123456789abcdefghij0123456789abcdefghij" } });
    expect(r.code).toBe(1);
    const report = json<Report>(r.stdout);
    expect(report.ok).toBe(false);
    expect(byName(report).auth).toMatchObject({ status: "fail", fix: `flowrunner login --url ${user.url}` });
    expect(r.stdout).not.toContain("frt_0123456789abcdefghij0123456789abcdefghij");
  });

  it("finds an expired token and a config file others can read, and a missing setup", async () => {
    const other = new User("cli-doctor-local");
    const exp = Math.floor(Date.now() / 1000) - 3600;
    const jwt = `e30.${Buffer.from(JSON.stringify({ sub: "x", exp })).toString("base64url")}.sig`;
    const file = path.join(other.home, "config", "flowrunner", "config.json");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ profiles: { default: { url: other.url, token: jwt } } }));
    chmodSync(file, 0o644);
    const r = await other.run(["doctor"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✗ config: ${file} is readable by others (mode 644); it holds your token\n    fix: chmod 600 ${file}`);
    expect(r.stdout).toMatch(/^✗ token: the token from profile 'default' expired at .+\n {4}fix: flowrunner login --url http/m);

    // Another profile is checked on its own.
    const staging = byName(json<Report>((await other.run(["doctor", "--profile", "staging", "--json"])).stdout));
    expect(staging.url).toMatchObject({
      status: "fail",
      message: "no server URL for profile 'staging'",
      fix: "flowrunner login --url <server> --profile staging",
    });

    const empty = await new User("cli-doctor-empty").run(["doctor", "--json"]);
    expect(empty.code).toBe(1);
    expect(byName(json<Report>(empty.stdout))).toMatchObject({
      config: { status: "fail", fix: "flowrunner login --url <server>" },
      url: { status: "fail", fix: "flowrunner login --url <server>" },
    });
  });

  describe("against a server whose clock is off", () => {
    let server: Server;
    let offsetMs = 0;
    let base = "";
    beforeAll(async () => {
      await serverReady();
      server = createServer((req, res) => {
        res.setHeader("Content-Type", "application/json");
        if (req.url === "/health") return res.end(JSON.stringify({ status: "ok", time: new Date(Date.now() + offsetMs).toISOString() }));
        if (req.url === "/api/v1/accounts/me") return res.end(JSON.stringify({ username: "someone" }));
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { code: "not_found", message: "No route" } }));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const run = () => user.run(["doctor", "--json"], { env: { FLOWRUNNER_URL: base, FLOWRUNNER_TOKEN: "frt_whatever" } });

    it("warns past 30 seconds and fails past 5 minutes; an old server's missing /ready is a warning", async () => {
      offsetMs = 90_000;
      const warned = await run();
      expect(warned.code).toBe(0);
      const checks = byName(json<Report>(warned.stdout));
      expect(checks.clock).toMatchObject({ status: "warn", message: expect.stringMatching(/9\d s behind the server/) });
      expect(checks.readiness).toMatchObject({ status: "warn", message: expect.stringMatching(/too old to report readiness/) });
      expect(checks.version).toMatchObject({ status: "warn" });

      offsetMs = -10 * 60_000;
      const failed = await run();
      expect(failed.code).toBe(1);
      expect(byName(json<Report>(failed.stdout)).clock).toMatchObject({
        status: "fail",
        message: expect.stringMatching(/ahead of the server/),
      });
    });
  });
});
