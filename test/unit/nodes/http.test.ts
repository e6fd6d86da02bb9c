import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeError } from "../../../src/engine/outcome";
import { createHttpClient, MAX_REDIRECTS, type HttpClientOptions, type HttpRequestInit } from "../../../src/nodes/capabilities/http";

/** Two real servers on 127.0.0.1 (two origins), recording every request they receive. */
interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}
const seen: Seen[] = [];
const releases: (() => void)[] = [];
let servers: Server[] = [];
let A = "";
let B = "";

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  seen.push({ method: req.method ?? "", path: url.pathname + url.search, headers: req.headers, body });
  const [, route = "", arg = ""] = url.pathname.split("/");
  switch (route) {
    case "json":
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ hello: "wörld", n: [1, 2] }));
      return;
    case "text":
      res.writeHead(201, "Made", { "Content-Type": "text/plain; charset=utf-8" }).end("plain wörds");
      return;
    case "echo":
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ method: req.method, headers: req.headers, body }));
      return;
    case "stall-headers":
      return; // never answers
    case "stall-body":
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.write("partial ");
      return; // never ends
    case "bytes": {
      // Chunked (no Content-Length), so only the reader's count can stop it.
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      const total = Number(arg);
      for (let sent = 0; sent < total; sent += 1000) res.write(Buffer.alloc(Math.min(1000, total - sent), 120));
      res.end();
      return;
    }
    case "declared":
      res.writeHead(200, { "Content-Length": String(Number(arg)) });
      res.write(Buffer.alloc(10, 120)); // the rest never comes: the declared length alone must fail the call
      return;
    case "redirect":
      res.writeHead(Number(arg), { Location: url.searchParams.get("to") ?? "/echo" }).end("moved");
      return;
    case "chain": {
      const left = Number(arg);
      if (left === 0) res.writeHead(200).end("end of chain");
      else res.writeHead(302, { Location: `/chain/${left - 1}` }).end();
      return;
    }
    case "loop":
      res.writeHead(302, { Location: "/loop" }).end();
      return;
    case "drip": {
      // One line now, the next when /release is called: only a streamed read sees the first early.
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write("data: first\n\n");
      releases.push(() => res.end("data: second\n\n"));
      return;
    }
    case "release":
      for (const release of releases.splice(0)) release();
      res.writeHead(204).end();
      return;
    default:
      res.writeHead(404).end("no such route");
  }
}

async function listen(): Promise<[Server, string]> {
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return [server, `http://127.0.0.1:${address.port}`];
}

beforeAll(async () => {
  const [a, baseA] = await listen();
  const [b, baseB] = await listen();
  servers = [a, b];
  A = baseA;
  B = baseB;
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const never = new AbortController().signal;
const allow = (extra: Partial<HttpClientOptions> = {}) => createHttpClient({ fetch, privateNetwork: "allow", ...extra });
const init = (extra: Partial<HttpRequestInit> = {}): HttpRequestInit => ({ timeoutMs: 5_000, signal: never, ...extra });

/** The rejection of a call, which must be a NodeError. */
async function failure(call: Promise<unknown>): Promise<NodeError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NodeError);
  return error as NodeError;
}

/** Requests the servers received for a path (query included) since `from`. */
const hits = (path: string, from = 0) => seen.slice(from).filter((s) => s.path === path);

describe("success", () => {
  it("reads a JSON answer as bytes and text", async () => {
    const response = await allow().request(`${A}/json`, init());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.url).toBe(`${A}/json`);
    expect(response.redirected).toBe(false);
    expect(JSON.parse(response.text())).toEqual({ hello: "wörld", n: [1, 2] });
    expect(response.bytes.byteLength).toBe(new TextEncoder().encode(response.text()).byteLength);
  });

  it("reads a text answer with its status text", async () => {
    const response = await allow().request(new URL(`${A}/text`), init());
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Made");
    expect(response.text()).toBe("plain wörds");
  });

  it("sends method, headers and body, and drops a body on GET", async () => {
    const client = allow();
    const put = await client.request(`${A}/echo`, init({ method: "put", headers: { "X-One": "1" }, body: "payload" }));
    expect(JSON.parse(put.text())).toMatchObject({ method: "PUT", body: "payload", headers: { "x-one": "1" } });
    const bytes = await client.request(`${A}/echo`, init({ method: "POST", body: new TextEncoder().encode("raw") }));
    expect(JSON.parse(bytes.text())).toMatchObject({ method: "POST", body: "raw" });
    const get = await client.request(`${A}/echo`, init({ body: "ignored" }));
    expect(JSON.parse(get.text())).toMatchObject({ method: "GET", body: "" });
  });

  it("returns error statuses as responses, not failures", async () => {
    const response = await allow().request(`${A}/nothing-here`, init());
    expect(response.status).toBe(404);
    expect(response.text()).toBe("no such route");
  });
});

describe("deadline", () => {
  it("times out while waiting for headers", async () => {
    const error = await failure(allow().request(`${A}/stall-headers?token=secret`, init({ timeoutMs: 150 })));
    expect(error.code).toBe("http_timeout");
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`GET ${A}/stall-headers took longer than 150 ms`);
  });

  it("times out while the body stalls after the headers came", async () => {
    const error = await failure(allow().request(`${A}/stall-body`, init({ timeoutMs: 200 })));
    expect(error.code).toBe("http_timeout");
  });
});

describe("byte cap", () => {
  it("accepts a body of exactly the cap and refuses one byte more", async () => {
    const client = allow();
    expect((await client.request(`${A}/bytes/3000`, init({ maxBytes: 3000 }))).bytes.byteLength).toBe(3000);
    const error = await failure(client.request(`${A}/bytes/3001`, init({ maxBytes: 3000 })));
    expect(error.code).toBe("response_too_large");
    expect(error.retryable).toBe(false);
    expect(error.details).toEqual({ max_bytes: 3000 });
  });

  it("never lets a call raise the client's ceiling", async () => {
    const error = await failure(allow({ maxResponseBytes: 1500 }).request(`${A}/bytes/2000`, init({ maxBytes: 1_000_000 })));
    expect(error.code).toBe("response_too_large");
    expect(error.message).toContain("1500 bytes");
  });

  it("fails on a declared Content-Length above the cap without waiting for the body", async () => {
    const error = await failure(allow().request(`${A}/declared/5000`, init({ maxBytes: 4000, timeoutMs: 2_000 })));
    expect(error.code).toBe("response_too_large");
  });
});

describe("caller abort", () => {
  it("rejects with the caller's reason while waiting for headers", async () => {
    const caller = new AbortController();
    const reason = new NodeError("timeout", "Node 'call' timed out after 1s");
    setTimeout(() => caller.abort(reason), 50);
    const call = allow().request(`${A}/stall-headers`, init({ signal: caller.signal }));
    await expect(call).rejects.toBe(reason);
  });

  it("rejects with the caller's reason while reading the body", async () => {
    const caller = new AbortController();
    const reason = new Error("run cancelled");
    setTimeout(() => caller.abort(reason), 100);
    await expect(allow().request(`${A}/stall-body`, init({ signal: caller.signal }))).rejects.toBe(reason);
  });

  it("does not send anything for an already aborted signal", async () => {
    const caller = new AbortController();
    caller.abort(new Error("gone"));
    const from = seen.length;
    await expect(allow().request(`${A}/echo?pre-aborted`, init({ signal: caller.signal }))).rejects.toThrow("gone");
    expect(hits("/echo?pre-aborted", from)).toHaveLength(0);
  });
});

describe("open (a streamed body)", () => {
  const decoder = new TextDecoder();

  it("hands over the body as it arrives, through a redirect, and ends when it ends", async () => {
    const answer = await allow().open(`${A}/redirect/302?to=/drip`, init());
    expect(answer).toMatchObject({ status: 200, url: `${A}/drip`, redirected: true });
    const reader = answer.body.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("data: first\n\n");
    await fetch(`${A}/release`);
    expect(decoder.decode((await reader.read()).value)).toBe("data: second\n\n");
    expect((await reader.read()).done).toBe(true);
  });

  it("keeps the deadline over the body: a stalled stream fails with http_timeout", async () => {
    const answer = await allow().open(`${A}/stall-body`, init({ timeoutMs: 200 }));
    const reader = answer.body.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("partial ");
    const error = await failure(reader.read());
    expect(error.code).toBe("http_timeout");
  });

  it("keeps the byte cap and the caller's signal over the body", async () => {
    const big = await allow().open(`${A}/bytes/5000`, init({ maxBytes: 3000 }));
    expect((await failure(new Response(big.body).arrayBuffer())).code).toBe("response_too_large");
    const caller = new AbortController();
    const stalled = await allow().open(`${A}/stall-body`, init({ signal: caller.signal }));
    const reader = stalled.body.getReader();
    await reader.read();
    const reason = new NodeError("cancelled", "the run ended", null, false);
    caller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
  });

  it("fails before the body for what request refuses: a policy, a declared length over the cap", async () => {
    const deny = createHttpClient({ fetch, privateNetwork: "deny" });
    expect((await failure(deny.open(`${A}/json`, init()))).code).toBe("address_not_allowed");
    expect((await failure(allow().open(`${A}/declared/5000`, init({ maxBytes: 4000 })))).code).toBe("response_too_large");
  });
});

describe("redirects", () => {
  it("follows a same-origin redirect, keeping Authorization", async () => {
    const response = await allow().request(
      `${A}/redirect/302?to=/echo`,
      init({ headers: { Authorization: "Bearer same", "X-Keep": "yes" } }),
    );
    expect(response.redirected).toBe(true);
    expect(response.url).toBe(`${A}/echo`);
    expect(JSON.parse(response.text()).headers).toMatchObject({ authorization: "Bearer same", "x-keep": "yes" });
  });

  it("drops Authorization, Proxy-Authorization and Cookie on a cross-origin hop", async () => {
    const response = await allow().request(
      `${A}/redirect/307?to=${encodeURIComponent(`${B}/echo`)}`,
      init({ headers: { Authorization: "Bearer secret", Cookie: "sid=1", "Proxy-Authorization": "Basic x", "X-Keep": "yes" } }),
    );
    expect(response.url).toBe(`${B}/echo`);
    const headers = JSON.parse(response.text()).headers as Record<string, string>;
    expect(headers["x-keep"]).toBe("yes");
    expect(headers).not.toHaveProperty("authorization");
    expect(headers).not.toHaveProperty("cookie");
    expect(headers).not.toHaveProperty("proxy-authorization");
  });

  it("turns POST into a bodiless GET on 303 and on 302, and keeps it on 307 and 308", async () => {
    const client = allow();
    const post = (status: number) =>
      client.request(
        `${A}/redirect/${status}?to=/echo`,
        init({ method: "POST", body: '{"a":1}', headers: { "Content-Type": "application/json" } }),
      );
    for (const status of [303, 302, 301]) {
      const echo = JSON.parse((await post(status)).text()) as { method: string; body: string; headers: Record<string, string> };
      expect([status, echo.method, echo.body, echo.headers["content-type"]]).toEqual([status, "GET", "", undefined]);
    }
    for (const status of [307, 308]) {
      const echo = JSON.parse((await post(status)).text()) as { method: string; body: string; headers: Record<string, string> };
      expect([status, echo.method, echo.body, echo.headers["content-type"]]).toEqual([status, "POST", '{"a":1}', "application/json"]);
    }
  });

  it("keeps PUT and DELETE on 302 and makes them GET on 303", async () => {
    const client = allow();
    const put302 = await client.request(`${A}/redirect/302?to=/echo`, init({ method: "PUT", body: "x" }));
    expect(JSON.parse(put302.text())).toMatchObject({ method: "PUT", body: "x" });
    const delete303 = await client.request(`${A}/redirect/303?to=/echo`, init({ method: "DELETE" }));
    expect(JSON.parse(delete303.text())).toMatchObject({ method: "GET" });
  });

  it("returns the 3xx itself when redirects are not followed", async () => {
    const response = await allow().request(`${A}/redirect/302?to=/echo`, init({ followRedirects: false }));
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/echo");
    expect(response.redirected).toBe(false);
    expect(response.text()).toBe("moved");
  });

  it(`follows ${MAX_REDIRECTS} redirects and refuses the next`, async () => {
    const client = allow();
    const ok = await client.request(`${A}/chain/${MAX_REDIRECTS}`, init());
    expect(ok.text()).toBe("end of chain");
    expect(ok.url).toBe(`${A}/chain/0`);
    const error = await failure(client.request(`${A}/chain/${MAX_REDIRECTS + 1}`, init()));
    expect(error.code).toBe("too_many_redirects");
    expect(error.retryable).toBe(false);
  });

  it("stops a redirect loop", async () => {
    const from = seen.length;
    const error = await failure(allow().request(`${A}/loop`, init()));
    expect(error.code).toBe("too_many_redirects");
    expect(hits("/loop", from)).toHaveLength(MAX_REDIRECTS + 1);
  });

  it("refuses a redirect to a non-http scheme or an unparseable Location", async () => {
    const ftp = await failure(allow().request(`${A}/redirect/302?to=${encodeURIComponent("ftp://example.com/x")}`, init()));
    expect([ftp.code, ftp.retryable]).toEqual(["invalid_url", false]);
    const bad = await failure(allow().request(`${A}/redirect/302?to=${encodeURIComponent("http://[::1/")}`, init()));
    expect(bad.code).toBe("invalid_url");
  });
});

describe("private-network policy", () => {
  /** A fetch that routes the public-looking name `api.example.com` to server A, as DNS would. */
  const routed = (calls: string[]): typeof fetch => {
    return (input, options) => {
      const url = new URL(String(input));
      calls.push(url.href);
      if (url.hostname === "api.example.com") url.host = new URL(A).host;
      return fetch(url, options);
    };
  };

  it("reaches 127.0.0.1 under allow and refuses it under deny without calling fetch", async () => {
    expect((await allow().request(`${A}/json`, init())).status).toBe(200);
    const calls: string[] = [];
    const deny = createHttpClient({ fetch: routed(calls), privateNetwork: "deny" });
    const error = await failure(deny.request(`${A}/json?key=secret`, init()));
    expect([error.code, error.retryable]).toEqual(["address_not_allowed", false]);
    expect(error.message).toContain("127.0.0.1");
    expect(error.message).not.toContain("secret");
    expect(error.details).toEqual({ host: "127.0.0.1" });
    expect(calls).toEqual([]);
  });

  it("refuses numeric spellings of loopback under deny", async () => {
    const deny = createHttpClient({ fetch: routed([]), privateNetwork: "deny" });
    for (const url of ["http://2130706433/", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/", "http://localhost/"]) {
      expect((await failure(deny.request(url, init()))).code).toBe("address_not_allowed");
    }
  });

  it("checks every redirect hop: a public host redirecting to a private one is refused under deny", async () => {
    const calls: string[] = [];
    const deny = createHttpClient({ fetch: routed(calls), privateNetwork: "deny" });
    const from = seen.length;
    const toPrivate = await failure(deny.request(`http://api.example.com/redirect/302?to=${encodeURIComponent(`${B}/echo?leak`)}`, init()));
    expect(toPrivate.code).toBe("address_not_allowed");
    const toMetadata = await failure(deny.request("http://api.example.com/redirect/307?to=http://169.254.169.254/latest", init()));
    expect(toMetadata.message).toContain("169.254.169.254");
    expect(calls).toHaveLength(2); // the two first hops, never the private targets
    expect(hits("/echo?leak", from)).toHaveLength(0);
  });

  it("follows a public-to-private redirect under allow", async () => {
    const client = createHttpClient({ fetch: routed([]), privateNetwork: "allow" });
    const response = await client.request(`http://api.example.com/redirect/302?to=${encodeURIComponent(`${B}/json`)}`, init());
    expect(response.url).toBe(`${B}/json`);
    expect(response.status).toBe(200);
  });
});

describe("input and network failures", () => {
  it("rejects what is not an absolute http(s) URL, whatever the policy", async () => {
    for (const url of ["not a url", "/relative", "ftp://example.com/", "file:///etc/passwd"]) {
      const error = await failure(allow().request(url, init()));
      expect([url, error.code, error.retryable]).toEqual([url, "invalid_url", false]);
    }
  });

  it("reports a refused connection as a retryable network_error without the query", async () => {
    const [server, base] = await listen();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await failure(allow().request(`${base}/x?token=secret`, init()));
    expect([error.code, error.retryable]).toEqual(["network_error", true]);
    expect(error.message).toContain(`GET ${base}/x failed`);
    expect(error.message).not.toContain("secret");
  });
});
