/**
 * `flowrunner doctor`: checks the local setup (Node, the config file, the server URL, the token) and
 * the server (reachable, version, readiness, authentication, clock), one line per check, each
 * problem with the command that fixes it.
 */
import { statSync } from "node:fs";
import { ApiError, Client } from "../_client";
import { EXIT, type Command } from "../_command";
import { configPath, profileName, readConfig, type Profile } from "../_config";
import { c, out, printJson } from "../_output";
import { VERSION } from "../_version";
import { base64UrlDecode } from "../../lib/encoding";

export type CheckStatus = "pass" | "warn" | "fail";

export interface Check {
  name: string;
  status: CheckStatus;
  message: string;
  /** What to run (or do) about it; only for a problem. */
  fix?: string;
}

/** Tokens are time-bound: a clock this far off makes them look expired or not yet valid. */
const SKEW_WARN_MS = 30_000;
const SKEW_FAIL_MS = 5 * 60_000;
const TIMEOUT_MS = 10_000;
const UPGRADE = "upgrade the server: `npx wrangler deploy` from a current checkout";

const pass = (name: string, message: string): Check => ({ name, status: "pass", message });
const warn = (name: string, message: string, fix: string): Check => ({ name, status: "warn", message, fix });
const fail = (name: string, message: string, fix: string): Check => ({ name, status: "fail", message, fix });

function nodeCheck(): Check {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 20) return fail("node", `Node.js ${process.version} is too old`, "install Node.js 22 or later");
  if (major < 22)
    return warn(
      "node",
      `Node.js ${process.version}: works, but --follow polls (no WebSocket before Node 22)`,
      "install Node.js 22 or later",
    );
  return pass("node", `Node.js ${process.version}`);
}

function configCheck(name: string, loginCommand: string): { check: Check; profile: Profile | undefined } {
  const path = configPath();
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    const viaEnv = Boolean(process.env.FLOWRUNNER_URL?.trim());
    return {
      check: viaEnv
        ? pass("config", `no config file (${path}); using FLOWRUNNER_URL`)
        : fail("config", `no config file at ${path}`, loginCommand),
      profile: undefined,
    };
  }
  let profile: Profile | undefined;
  try {
    profile = readConfig().profiles[name];
  } catch {
    return { check: fail("config", `${path} is not valid JSON`, `rm ${path} && ${loginCommand}`), profile: undefined };
  }
  if ((mode & 0o077) !== 0) {
    return {
      check: fail("config", `${path} is readable by others (mode ${mode.toString(8)}); it holds your token`, `chmod 600 ${path}`),
      profile,
    };
  }
  return { check: pass("config", `${path} (mode 600)`), profile };
}

/** The expiry of a JWT, in ms; null for API tokens (which the server checks) and anything unreadable. */
function jwtExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (token.startsWith("frt_") || payload === undefined) return null;
  try {
    const claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(payload))) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

function tokenCheck(token: string | undefined, source: string, loginCommand: string): Check {
  if (!token) return fail("token", "no token", loginCommand);
  const expiry = jwtExpiry(token);
  if (expiry !== null && expiry <= Date.now())
    return fail("token", `the token from ${source} expired at ${new Date(expiry).toISOString()}`, loginCommand);
  return pass("token", `from ${source}${expiry === null ? "" : `, valid until ${new Date(expiry).toISOString()}`}`);
}

interface Answer {
  status: number;
  body: unknown;
  date: string | null;
  sentAt: number;
  receivedAt: number;
}

async function fetchJson(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const sentAt = Date.now();
  const response = await fetch(url, {
    headers: { Accept: "application/json", "User-Agent": `flowrunner-cli/${VERSION}`, ...headers },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the checks say what they expected.
  }
  return { status: response.status, body, date: response.headers.get("Date"), sentAt, receivedAt: Date.now() };
}

function clockCheck(health: Answer): Check {
  const time = (health.body as { time?: unknown } | null)?.time;
  const serverTime = typeof time === "string" ? Date.parse(time) : health.date ? Date.parse(health.date) : NaN;
  if (Number.isNaN(serverTime)) return warn("clock", "the server reported no time to compare with", "check the server's clock by hand");
  const skew = serverTime - (health.sentAt + health.receivedAt) / 2;
  const text = `${Math.abs(Math.round(skew / 1000))} s ${skew >= 0 ? "behind" : "ahead of"} the server`;
  const fix = "synchronise the clocks (e.g. `sudo timedatectl set-ntp true` here, NTP on the server)";
  if (Math.abs(skew) > SKEW_FAIL_MS) return fail("clock", `this machine is ${text}: tokens would look expired or not yet valid`, fix);
  if (Math.abs(skew) > SKEW_WARN_MS) return warn("clock", `this machine is ${text}`, fix);
  return pass("clock", `within ${Math.max(1, Math.round(Math.abs(skew) / 1000))} s of the server`);
}

interface ReadyCheck {
  name: string;
  ok: boolean;
  message: string;
  fix?: string;
}

function readinessCheck(ready: Answer): Check {
  const body = ready.body as { status?: string; mode?: string; checks?: ReadyCheck[] } | null;
  if (!body || !Array.isArray(body.checks)) {
    // An older server has no /ready: it answers 404, or its dashboard's page.
    if (ready.status < 500) return warn("readiness", "the server is too old to report readiness (no /ready)", UPGRADE);
    return fail("readiness", `/ready answered ${ready.status} without a readiness report`, "check the server's logs: `npx wrangler tail`");
  }
  const failing = body.checks.filter((check) => !check.ok);
  if (ready.status === 200 && failing.length === 0) {
    return pass("readiness", `ready (${body.mode ?? "unknown"} mode): ${body.checks.map((check) => check.name).join(", ")}`);
  }
  return fail(
    "readiness",
    `not ready: ${failing.map((check) => `${check.name}: ${check.message}`).join("; ") || `status ${ready.status}`}`,
    failing
      .map((check) => check.fix)
      .filter(Boolean)
      .join("; ") || "check the server's logs: `npx wrangler tail`",
  );
}

async function serverChecks(url: string, token: string | undefined, loginCommand: string): Promise<Check[]> {
  const base = new Client(url).baseUrl;
  let health: Answer;
  try {
    health = await fetchJson(`${base}/health`);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return [fail("server", `cannot reach ${base} (${cause})`, `start the server (\`npm start\`) or point the CLI at it: ${loginCommand}`)];
  }
  const body = health.body as { status?: unknown; version?: unknown } | null;
  if (health.status !== 200 || body?.status !== "ok") {
    return [fail("server", `${base}/health answered ${health.status}; is it a FlowRunner server?`, `check the URL: ${loginCommand}`)];
  }
  const checks = [pass("server", `${base} is up`)];
  const version = typeof body.version === "string" ? body.version : null;
  if (version === null) checks.push(warn("version", "the server does not report its version (older than this CLI)", UPGRADE));
  else if (version !== VERSION)
    checks.push(
      warn(
        "version",
        `server ${version}, CLI ${VERSION}`,
        "use the same version on both: `npm install` and `npx wrangler deploy` from one checkout",
      ),
    );
  else checks.push(pass("version", `server and CLI ${version}`));
  checks.push(clockCheck(health));
  try {
    checks.push(readinessCheck(await fetchJson(`${base}/ready`)));
  } catch (error) {
    checks.push(fail("readiness", `/ready did not answer (${(error as Error).name})`, "check the server's logs: `npx wrangler tail`"));
  }
  if (token) checks.push(await authCheck(new Client(base, token), loginCommand));
  return checks;
}

async function authCheck(client: Client, loginCommand: string): Promise<Check> {
  try {
    const me = await client.get<{ username: string }>("/api/v1/accounts/me");
    return pass("auth", `signed in as ${me.username}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401)
      return fail("auth", `the server refused the token: ${error.message}`, loginCommand);
    return fail(
      "auth",
      `could not check the token: ${(error as Error).message}`,
      "run `flowrunner doctor` again; if it persists, check the server's logs",
    );
  }
}

export async function diagnose(profileFlag: string | undefined): Promise<Check[]> {
  const name = profileName(profileFlag);
  const loginCommand = `flowrunner login --url <server>${name === "default" ? "" : ` --profile ${name}`}`;
  const checks = [nodeCheck()];
  const { check, profile } = configCheck(name, loginCommand);
  checks.push(check);
  const envUrl = process.env.FLOWRUNNER_URL?.trim();
  const url = envUrl || profile?.url;
  if (!url) {
    checks.push(fail("url", `no server URL for profile '${name}'`, loginCommand));
    return checks;
  }
  checks.push(pass("url", `${url} (from ${envUrl ? "FLOWRUNNER_URL" : `profile '${name}'`})`));
  const envToken = process.env.FLOWRUNNER_TOKEN?.trim();
  const token = envToken || profile?.token;
  checks.push(tokenCheck(token, envToken ? "FLOWRUNNER_TOKEN" : `profile '${name}'`, loginCommand.replace("<server>", url)));
  const tokenUsable = checks.at(-1)!.status === "pass" ? token : undefined;
  checks.push(...(await serverChecks(url, tokenUsable, loginCommand.replace("<server>", url))));
  return checks;
}

const GLYPH: Record<CheckStatus, string> = { pass: c.green("✓"), warn: c.yellow("⚠"), fail: c.red("✗") };

export const doctor: Command = {
  name: "doctor",
  summary: "Check this machine's setup and the server: reachable, version, readiness, credentials, clock",
  arity: { min: 0, max: 0 },
  description: "Prints one line per check and, for each problem, what to run. Exit 0 when nothing failed (warnings allowed), 1 otherwise.",
  examples: ["flowrunner doctor", "flowrunner doctor --profile staging --json"],
  async run(ctx) {
    const checks = await diagnose(ctx.profile);
    const ok = checks.every((check) => check.status !== "fail");
    if (ctx.json) printJson({ ok, checks });
    else {
      for (const check of checks) {
        out(`${GLYPH[check.status]} ${check.name}: ${check.message}`);
        if (check.fix) out(`    fix: ${check.fix}`);
      }
    }
    return ok ? EXIT.ok : EXIT.failed;
  },
};
