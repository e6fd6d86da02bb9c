import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import type { TestProject } from "vitest/node";
import { startHttpStandin } from "../scripts/standins/http.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the loopback HTTP server the tests call from flows. */
    httpBase: string;
    /** Port of a loopback TCP server that answers each line it receives with `echo: <line>`. */
    tcpEchoPort: number;
  }
}

/**
 * A real HTTP server on 127.0.0.1 for flows to call (scripts/standins/http.mjs, the one the examples
 * use). It counts requests per key, so tests can prove a side effect happened exactly once, and
 * records what `/inspect` and `/flaky` received (`/inspected/<key>`), so tests can check headers and
 * signatures.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const http = await startHttpStandin();
  project.provide("httpBase", http.url);
  const echo = await lineEchoServer();
  project.provide("tcpEchoPort", echo.port);
  return async () => {
    await http.close();
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
