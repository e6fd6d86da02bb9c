import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseUrl, launch, newUsername, PASSWORD, signedIn, visitor } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
}, 180_000);
afterAll(async () => browser?.close());

describe("dashboard shell", () => {
  it("is served at / under a strict CSP, with every route of the app answered by index.html", async () => {
    for (const path of ["/", "/flows", "/runs/exe_whatever", "/signin"]) {
      const res = await fetch(`${baseUrl()}${path}`);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain("unsafe-inline");
      const html = await res.text();
      expect(html, path).toContain('<div id="app">');
      // No inline script: every <script> has a src and no body.
      for (const [, attributes, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
        expect(attributes, path).toMatch(/src="\/assets\//);
        expect(body!.trim(), path).toBe("");
      }
    }
    const api = await fetch(`${baseUrl()}/api/v1/flows`);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("keeps the JavaScript of the first load under 150 KB gzip", async () => {
    const html = await (await fetch(`${baseUrl()}/`)).text();
    const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(0);
    let gzipped = 0;
    for (const file of files) gzipped += gzipSync(Buffer.from(await (await fetch(`${baseUrl()}${file}`)).arrayBuffer())).length;
    expect(gzipped).toBeLessThan(150 * 1024);
  });

  it("signs up, signs out and signs in again, and sends a visitor without a session to sign in", async () => {
    const { page, problems, context } = await visitor(browser);
    await page.goto("/runs");
    await page.waitForURL("**/signin?next=%2Fruns");
    await page.getByRole("link", { name: "Create an account" }).click();
    const username = newUsername("signup");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL("**/flows");
    await expect.poll(() => page.locator(".sidebar .who").textContent()).toContain(username);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/signin");
    expect(await page.evaluate(() => localStorage.getItem("flowrunner.session"))).toBeNull();

    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Invalid");
    expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
    await context.close();
  });

  it("signs in with an API token, which never appears in a URL", async () => {
    const user = await signedIn(browser);
    const created = await fetch(`${baseUrl()}/api/v1/tokens`, {
      method: "POST",
      headers: { Authorization: `Bearer ${user.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "browser" }),
    });
    const { token } = (await created.json()) as { token: string };
    await user.context.close();

    const { page, context } = await visitor(browser);
    const urls: string[] = [];
    page.on("request", (request) => urls.push(request.url()));
    await page.goto("/signin");
    await page.getByRole("tab", { name: "API token" }).click();
    await page.getByLabel("API token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/flows");
    await expect.poll(() => page.locator(".sidebar .who").textContent()).toContain(user.username);
    expect(urls.some((url) => url.includes(token))).toBe(false);
    await context.close();
  });
});
