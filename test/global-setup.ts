import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the loopback HTTP server the tests call from flows. */
    httpBase: string;
    /** Port of a loopback TCP server that answers each line it receives with `echo: <line>`. */
    tcpEchoPort: number;
  }
}

/**
 * A real HTTP server on 127.0.0.1 for flows to call. It counts requests per
 * key, so tests can prove a side effect happened exactly once, and records what `/inspect` and
 * `/flaky` received (`/inspected/<key>`), so tests can check headers and signatures.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const counts = new Map<string, number>();
  const received = new Map<string, { method: string; headers: IncomingMessage["headers"]; body: string }[]>();
  const server: Server = createServer((req, res) => {
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

  async function handle(req: IncomingMessage): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
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

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("loopback server has no port");
  project.provide("httpBase", `http://127.0.0.1:${address.port}`);
  const echo = await lineEchoServer();
  project.provide("tcpEchoPort", echo.port);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await echo.close();
  };
}

/** A TCP server on 127.0.0.1 for the sockets capability: greets, then echoes every line back. */
async function lineEchoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.write("hello\r\n");
    let pending = "";
    socket.on("data", (chunk) => {
      pending += chunk.toString("utf8");
      let end: number;
      while ((end = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, end).replace(/\r$/, "");
        pending = pending.slice(end + 1);
        if (line === "QUIT") socket.end("bye\r\n");
        else socket.write(`echo: ${line}\r\n`);
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("TCP echo server has no port");
  return {
    port: address.port,
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
