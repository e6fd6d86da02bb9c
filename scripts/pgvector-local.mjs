// A local PostgreSQL with pgvector for development and tests: PGlite (PostgreSQL in WebAssembly)
// with its `vector` extension, served over the wire by @electric-sql/pglite-socket. In memory: it
// is empty at every start. Reach it from a Worker as any server that is not Neon, through the
// WebSocket relay (scripts/pg-ws-relay.mjs).
//
// PGlite starts on the first connection (it takes a few seconds), so a test run that never uses it
// pays nothing. A small front server watches each client's messages: the socket server leaves a
// connection open after the client's Terminate, and the driver waits for the close, so the front
// closes it.
//
// Run alone:  node scripts/pgvector-local.mjs [port]     (default 5433)
// Then:       connection_string postgres://postgres@127.0.0.1:5433/postgres, with POSTGRES_WS_PROXY set
import { Buffer } from "node:buffer";
import net from "node:net";
import { pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const PROTOCOL_3 = 196608;
const TERMINATE = 0x58; // 'X'

/**
 * @param {{ port?: number, host?: string }} [options]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startPgvectorLocal({ port = 0, host = "127.0.0.1" } = {}) {
  /** @type {Promise<{ db: PGlite, server: PGLiteSocketServer, port: number }> | undefined} */
  let inner;
  const boot = async () => {
    const db = await PGlite.create({ extensions: { vector } });
    await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
    const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 64 });
    await server.start();
    return { db, server, port: Number(server.getServerConn().split(":").pop()) };
  };
  const open = new Set();
  const front = net.createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    client.pause();
    inner ??= boot();
    inner.then(
      ({ port: innerPort }) => {
        const upstream = net.connect({ host: "127.0.0.1", port: innerPort });
        open.add(upstream);
        upstream.on("close", () => {
          open.delete(upstream);
          client.end();
        });
        upstream.on("error", () => client.destroy());
        client.on("close", () => upstream.destroy());
        upstream.pipe(client);
        const watch = terminateWatcher(() => {
          upstream.end();
          client.end();
        });
        client.on("data", (chunk) => {
          upstream.write(chunk);
          watch(chunk);
        });
        client.resume();
      },
      () => client.destroy(),
    );
  });
  await new Promise((resolve, reject) => {
    front.once("error", reject);
    front.listen(port, host, resolve);
  });
  const bound = /** @type {import("node:net").AddressInfo} */ (front.address());
  return {
    url: `postgres://postgres@${host}:${bound.port}/postgres`,
    port: bound.port,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => front.close(() => resolve(undefined)));
      if (inner) {
        const { db, server } = await inner;
        await server.stop();
        await db.close();
      }
    },
  };
}

/**
 * Follows the message boundaries of a client's stream (startup messages: length, code; then a type
 * byte and a length) and calls `onTerminate` when a Terminate message starts.
 * @param {() => void} onTerminate
 */
function terminateWatcher(onTerminate) {
  let startup = true;
  let skip = 0;
  let header = Buffer.alloc(0);
  return (/** @type {Buffer} */ chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        skip -= n;
        at += n;
        continue;
      }
      const size = startup ? 8 : 5;
      const take = Math.min(size - header.length, chunk.length - at);
      header = Buffer.concat([header, chunk.subarray(at, at + take)]);
      at += take;
      if (header.length < size) return;
      if (startup) {
        skip = header.readInt32BE(0) - 8;
        if (header.readInt32BE(4) === PROTOCOL_3) startup = false;
      } else {
        skip = header.readInt32BE(1) - 4;
        if (header[0] === TERMINATE) onTerminate();
      }
      header = Buffer.alloc(0);
    }
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const local = await startPgvectorLocal({ port: Number(process.argv[2] ?? 5433) });
  console.log(`PostgreSQL with pgvector (PGlite) on ${local.url}`);
}
