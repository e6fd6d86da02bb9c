/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core, against the `wrangler
 * dev` the cli project starts (test/cli/global-setup.ts). Each test file opens its own browser.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { inject } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS } from "../../scripts/chromium.mjs";
import { serverReady } from "../cli/helpers";

export const baseUrl = () => inject("cliServer");

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it)`);
  await serverReady();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
}

export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions the page raised; a CSP violation shows here too. */
  problems: string[];
}

/** A fresh browser profile (no session) with a page that records its errors. */
export async function visitor(browser: Browser): Promise<Visitor> {
  const context = await browser.newContext({ baseURL: baseUrl(), viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(error.message));
  return { context, page, problems };
}

let counter = 0;
/** A new username, unique in this run of the suite. */
export const newUsername = (prefix = "web") => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
export const PASSWORD = "correct horse battery staple";

/** Signs up through the API and signs in through the page, as a returning user would. */
export async function signedIn(browser: Browser, username = newUsername()): Promise<Visitor & { username: string; token: string }> {
  const created = await fetch(`${baseUrl()}/api/v1/accounts`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (created.status !== 201) throw new Error(`sign-up failed: ${created.status} ${await created.text()}`);
  const v = await visitor(browser);
  await v.page.goto("/signin");
  await v.page.getByLabel("Username").fill(username);
  await v.page.getByLabel("Password").fill(PASSWORD);
  await v.page.getByRole("button", { name: "Sign in" }).click();
  await v.page.waitForURL("**/flows");
  const token = await v.page.evaluate(
    () => (JSON.parse(localStorage.getItem("flowrunner.session") ?? "{}") as { token?: string }).token ?? "",
  );
  return { ...v, username, token };
}

/** Calls the API as the signed-in user (arranging what a test needs without clicking through it). */
export async function api<T = Record<string, unknown>>(
  token: string,
  path: string,
  init: { method?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, ...init.headers };
  if (init.json !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${baseUrl()}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Saves a flow through the API; answers its id. */
export async function saveFlow(token: string, yaml: string): Promise<string> {
  const flow = await api<{ id: string }>(token, "/api/v1/flows", {
    method: "POST",
    body: yaml,
    headers: { "Content-Type": "application/yaml" },
  });
  return flow.id;
}
