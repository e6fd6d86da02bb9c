import { describe, expect, inject, it } from "vitest";
import { createHttpClient } from "../../src/nodes/capabilities/http";

const HTTP = inject("httpBase");
const never = new AbortController().signal;

/** The node HTTP client on workerd's own fetch, against the loopback server of test/global-setup.ts. */
describe("ctx.http on Workers", () => {
  const client = createHttpClient({ fetch: (input, init) => fetch(input, init), privateNetwork: "allow" });

  it("follows a redirect by hand with workerd's fetch and reads the final JSON body", async () => {
    const response = await client.request(`${HTTP}/redirect`, { timeoutMs: 5_000, signal: never, headers: { Authorization: "Bearer t" } });
    expect(response.redirected).toBe(true);
    expect(response.url).toBe(`${HTTP}/echo/redirected`);
    const echo = JSON.parse(response.text()) as { method: string; headers: Record<string, string> };
    expect(echo.method).toBe("GET");
    expect(echo.headers.authorization).toBe("Bearer t");
  });

  it("returns the 3xx when redirects are not followed", async () => {
    const response = await client.request(`${HTTP}/redirect`, { timeoutMs: 5_000, signal: never, followRedirects: false });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/echo/redirected");
  });

  it("times out a slow answer and caps a large one", async () => {
    await expect(client.request(`${HTTP}/slow/3000`, { timeoutMs: 200, signal: never })).rejects.toMatchObject({ code: "http_timeout" });
    await expect(client.request(`${HTTP}/big/5000`, { timeoutMs: 5_000, signal: never, maxBytes: 4999 })).rejects.toMatchObject({
      code: "response_too_large",
    });
    expect((await client.request(`${HTTP}/big/5000`, { timeoutMs: 5_000, signal: never, maxBytes: 5000 })).bytes.byteLength).toBe(5000);
  });

  it("times out a body that stalls after the headers, and passes on the caller's abort", async () => {
    await expect(client.request(`${HTTP}/stall-body`, { timeoutMs: 300, signal: never })).rejects.toMatchObject({ code: "http_timeout" });
    const caller = new AbortController();
    const reason = new Error("run cancelled");
    setTimeout(() => caller.abort(reason), 200);
    await expect(client.request(`${HTTP}/stall-body`, { timeoutMs: 10_000, signal: caller.signal })).rejects.toBe(reason);
  });

  it("refuses the loopback server under deny", async () => {
    const deny = createHttpClient({ fetch: (input, init) => fetch(input, init), privateNetwork: "deny" });
    await expect(deny.request(`${HTTP}/echo/x`, { timeoutMs: 5_000, signal: never })).rejects.toMatchObject({
      code: "address_not_allowed",
      retryable: false,
    });
  });
});
