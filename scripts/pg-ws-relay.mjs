// A WebSocket-to-TCP relay that speaks the protocol of Neon's WebSocket proxy,
// so `@neondatabase/serverless` can reach a plain PostgreSQL (local
// development and tests). The driver opens `ws://HOST:PORT/v2?address=DB_HOST:DB_PORT`
// and every binary message is copied to the TCP socket and back.
//
// It only relays to the hosts in `allow` (loopback by default): it is a
// development tool, never an open proxy.
//
// Like the pooler in front of a Neon database, it keeps bursts of clients from
// exhausting the server: at most `maxConnections` (60) are open to PostgreSQL at
// once, and a client beyond that waits (its messages held) until one closes. A
// local PostgreSQL allows 100 connections in all, and every Durable Object has
// its own pool, so a few dozen runs finishing together would otherwise take them all.
//
// Run alone:  node scripts/pg-ws-relay.mjs [port]     (default 8788)
// Then set NEON_WS_PROXY=ws://127.0.0.1:8788/v2
import { Buffer } from "node:buffer";
import net from "node:net";
import { pathToFileURL } from "node:url";
import { WebSocketServer } from "ws";

const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

/**
 * @param {{ port?: number, host?: string, allow?: string[], maxConnections?: number }} [options]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startRelay({ port = 0, host = "127.0.0.1", allow = LOOPBACK, maxConnections = 60 } = {}) {
  const sockets = new Set();
  /** Clients waiting for a connection to PostgreSQL, oldest first. */
  const waiting = [];
  const release = () => {
    while (sockets.size < maxConnections && waiting.length > 0) waiting.shift()();
  };
  const server = new WebSocketServer({ port, host, perMessageDeflate: false });
  server.on("connection", (ws, request) => {
    const address = new URL(request.url ?? "/", "http://relay").searchParams.get("address") ?? "";
    const split = address.lastIndexOf(":");
    const targetHost = split > 0 ? address.slice(0, split).replace(/^\[|\]$/g, "") : "";
    const targetPort = Number(address.slice(split + 1));
    if (!allow.includes(targetHost) || !Number.isInteger(targetPort) || targetPort <= 0) {
      ws.close(1008, "target not allowed");
      return;
    }
    /** @type {import("node:net").Socket | undefined} */
    let tcp;
    let closed = false;
    const pending = [];
    const shut = () => {
      if (closed) return;
      closed = true;
      const queued = waiting.indexOf(open);
      if (queued >= 0) waiting.splice(queued, 1);
      if (tcp) {
        sockets.delete(tcp);
        tcp.destroy();
      }
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
      release();
    };
    function open() {
      tcp = net.connect({ host: targetHost, port: targetPort });
      sockets.add(tcp);
      tcp.on("connect", () => {
        for (const chunk of pending.splice(0)) tcp?.write(chunk);
      });
      tcp.on("data", (chunk) => {
        if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
      });
      tcp.on("error", shut);
      tcp.on("close", shut);
    }
    ws.on("message", (data) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (!tcp || tcp.connecting) pending.push(chunk);
      else tcp.write(chunk);
    });
    ws.on("close", shut);
    ws.on("error", shut);
    if (sockets.size < maxConnections) open();
    else waiting.push(open);
  });
  await new Promise((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const bound = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `ws://${host}:${bound.port}/v2`,
    port: bound.port,
    close: () =>
      new Promise((resolve) => {
        waiting.length = 0;
        for (const socket of sockets) socket.destroy();
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const relay = await startRelay({ port: Number(process.argv[2] ?? 8788) });
  console.log(`PostgreSQL WebSocket relay on ${relay.url} (set NEON_WS_PROXY=${relay.url})`);
}
