/** One delivery attempt against a real loopback receiver, verified with the standardwebhooks package. */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSender, RESPONSE_EXCERPT_BYTES, USER_AGENT } from "../../../src/deliveries/send";

const SECRET = "whsec_" + Buffer.from("0123456789abcdef01234567").toString("base64");
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (path.startsWith("/ok")) return res.writeHead(204).end();
      if (path.startsWith("/down")) return res.writeHead(503, { "Content-Type": "text/plain" }).end("maintenance");
      if (path.startsWith("/big")) return res.writeHead(200, { "Content-Type": "text/plain" }).end("y".repeat(200_000));
      if (path.startsWith("/echo-secret")) return res.writeHead(400).end(`bad secret ${SECRET} and whsec_AAAAbbbb`);
      if (path.startsWith("/moved")) return res.writeHead(302, { Location: "/ok" }).end();
      if (path.startsWith("/hang")) return; // never answers
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const send = createSender({ fetch: (input, init) => fetch(input, init), privateNetwork: "allow", now: () => Date.now(), timeoutMs: 1_000 });
const message = { id: "msg_test1", payload: JSON.stringify({ type: "execution.completed", data: { execution_id: "exe_1" } }) };

describe("sending one delivery", () => {
  it("POSTs the JSON body signed per Standard Webhooks; 2xx is delivered", async () => {
    const attempt = await send({ url: `${base}/ok`, secret: SECRET }, message);
    expect(attempt).toMatchObject({ status: 204, error: null, response: null });
    expect(attempt.latency_ms).toBeGreaterThanOrEqual(0);
    const got = received.at(-1)!;
    expect(got.body).toBe(message.payload);
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["user-agent"]).toBe(USER_AGENT);
    expect(got.headers["webhook-id"]).toBe("msg_test1");
    const headers = {
      "webhook-id": String(got.headers["webhook-id"]),
      "webhook-timestamp": String(got.headers["webhook-timestamp"]),
      "webhook-signature": String(got.headers["webhook-signature"]),
    };
    expect(new Webhook(SECRET).verify(got.body, headers)).toEqual(JSON.parse(message.payload));
    expect(() => new Webhook("whsec_" + Buffer.from("another key of 24 bytes!").toString("base64")).verify(got.body, headers)).toThrow();
  });

  it("records a non-2xx answer as a failed attempt with its status and an excerpt", async () => {
    expect(await send({ url: `${base}/down`, secret: SECRET }, message)).toMatchObject({
      status: 503,
      error: { code: "http_status", message: "The receiver answered 503" },
      response: "maintenance",
    });
  });

  it("reads at most 1 KB of the answer, and a long 200 is still delivered", async () => {
    const attempt = await send({ url: `${base}/big`, secret: SECRET }, message);
    expect(attempt.status).toBe(200);
    expect(attempt.error).toBeNull();
    expect(attempt.response).toBe("y".repeat(RESPONSE_EXCERPT_BYTES));
  });

  it("never puts a signing secret in the log, even when the receiver echoes one", async () => {
    const attempt = await send({ url: `${base}/echo-secret`, secret: SECRET }, message);
    expect(attempt.status).toBe(400);
    expect(attempt.response).not.toContain(SECRET);
    expect(attempt.response).not.toContain("whsec_AAAA");
    expect(attempt.response).toContain("[redacted]");
  });

  it("does not follow redirects: a 302 is a failed attempt", async () => {
    const before = received.length;
    const attempt = await send({ url: `${base}/moved`, secret: SECRET }, message);
    expect(attempt).toMatchObject({ status: 302, error: { code: "http_status" } });
    expect(received.length).toBe(before + 1);
  });

  it("gives up on a receiver that does not answer in time", async () => {
    const attempt = await send({ url: `${base}/hang`, secret: SECRET }, message);
    expect(attempt).toMatchObject({ status: null, error: { code: "http_timeout" }, response: null });
  });

  it("refuses private addresses under the deny policy, and names no query string", async () => {
    const strict = createSender({ fetch: (input, init) => fetch(input, init), privateNetwork: "deny", now: () => Date.now() });
    const before = received.length;
    const attempt = await strict({ url: `${base}/ok?token=abc`, secret: SECRET }, message);
    expect(attempt).toMatchObject({ status: null, error: { code: "address_not_allowed" } });
    expect(attempt.error!.message).not.toContain("abc");
    expect(received.length).toBe(before);
  });

  it("reports a refused connection as a network error", async () => {
    const attempt = await send({ url: "http://127.0.0.1:9/hook", secret: SECRET }, message);
    expect(attempt).toMatchObject({ status: null, error: { code: "network_error" } });
  });
});
