// A loopback HTTP API for flows to call: what the examples' http.request nodes (`base` in their run
// input) and the tests talk to. Started by the tests (test/global-setup.ts), by `npm run examples`
// and by `npm start -- --standins=http`.
//
//   /echo/...                 the request back: {method, headers, query, body}
//   /status/<code>            answers that status
//   /hit/<key>, /count/<key>  counts calls per key (so a side effect can be shown to happen once)
//   /inspect/<key>[/<code>]   records the request (then /inspected/<key> lists them)
//   /flaky/<key>/<n>          503 to the first n calls for a key, 200 after
//   /slow/<ms>                answers after that long
//   /text, /redirect, /big/<bytes>, /stall-body   plain text, a 302, a large body, a body that never ends
//
// Run alone:  node scripts/standins/http.mjs [port]     (default 8795)
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

/** @param {{ port?: number, host?: string }} [options] */
export async function startHttpStandin({ port = 0, host = "127.0.0.1" } = {}) {
  const counts = new Map();
  const received = new Map();
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/stall-body")) {
      // Headers and a first chunk, then nothing: only a deadline that covers the body ends the call.
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.write("partial ");
      return;
    }
    void handle(req).then(({ status, body, headers }) => {
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    });
  });

  /** @param {import("node:http").IncomingMessage} req */
  async function handle(req) {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString("utf8");
    const [, route, key = "", arg = ""] = url.pathname.split("/");
    const record = () => received.set(key, [...(received.get(key) ?? []), { method: req.method ?? "", headers: req.headers, body }]);
    const bump = () => {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return n;
    };
    switch (route) {
      case "echo":
        return { status: 200, body: { method: req.method, headers: req.headers, query: Object.fromEntries(url.searchParams), body } };
      case "status":
        return { status: Number(key) || 500, body: { status: Number(key) } };
      case "hit":
        return { status: 200, body: { key, count: bump() } };
      case "count":
        return { status: 200, body: { key, count: counts.get(key) ?? 0 } };
      case "inspect":
        record();
        return { status: Number(arg) || 200, body: { received: true } };
      case "inspected":
        return { status: 200, body: received.get(key) ?? [] };
      case "flaky": {
        record();
        const n = bump();
        return n <= Number(arg) ? { status: 503, body: { attempt: n, ok: false } } : { status: 200, body: { attempt: n, ok: true } };
      }
      case "slow":
        await new Promise((r) => setTimeout(r, Number(key) || 1000));
        return { status: 200, body: { slept: Number(key) } };
      case "text":
        return { status: 200, body: "plain words", headers: { "Content-Type": "text/plain" } };
      case "redirect":
        return { status: 302, body: "", headers: { Location: "/echo/redirected" } };
      case "big":
        return { status: 200, body: "x".repeat(Number(key) || 6 * 1024 * 1024), headers: { "Content-Type": "text/plain" } };
      default:
        return { status: 404, body: { error: "no such route" } };
    }
  }

  await new Promise((resolve) => server.listen(port, host, () => resolve(undefined)));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the HTTP stand-in has no port");
  return {
    url: `http://${host}:${address.port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const standin = await startHttpStandin({ port: Number(process.argv[2] ?? 8795) });
  console.log(`HTTP stand-in on ${standin.url}`);
}
