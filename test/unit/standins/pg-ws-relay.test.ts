import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startRelay, type Relay } from "../../../scripts/pg-ws-relay.mjs";

/** A TCP echo server standing in for PostgreSQL: the relay copies bytes and knows no protocol. */
async function echoServer() {
  let open = 0;
  let peak = 0;
  const server = net.createServer((socket) => {
    open++;
    peak = Math.max(peak, open);
    socket.on("data", (chunk) => socket.write(chunk));
    socket.on("close", () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, peak: () => peak, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function client(relay: Relay, port: number) {
  const ws = new WebSocket(`${relay.url}?address=127.0.0.1:${port}`);
  ws.binaryType = "arraybuffer";
  const received: string[] = [];
  ws.addEventListener("message", (event) => received.push(Buffer.from(event.data as ArrayBuffer).toString()));
  const opened = new Promise<void>((resolve) => ws.addEventListener("open", () => resolve()));
  return { ws, received, opened };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
};

describe("the PostgreSQL WebSocket relay", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  it("opens at most maxConnections to the server; a client beyond them waits, its bytes kept, until one closes", async () => {
    const echo = await echoServer();
    cleanup.push(echo.close);
    const relay = await startRelay({ maxConnections: 2 });
    cleanup.push(relay.close);

    const [a, b, c] = [client(relay, echo.port), client(relay, echo.port), client(relay, echo.port)];
    await Promise.all([a.opened, b.opened, c.opened]);
    a.ws.send("from a");
    b.ws.send("from b");
    c.ws.send("from c");
    expect(await until(() => a.received.length > 0 && b.received.length > 0)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(c.received).toEqual([]);
    expect(echo.peak()).toBe(2);

    a.ws.close();
    expect(await until(() => c.received.length > 0)).toBe(true);
    expect(c.received.join("")).toBe("from c");
    b.ws.close();
    c.ws.close();
  });
});
