/**
 * A loopback port for a server a script or test is about to start.
 *
 * Port 0 would hand out an ephemeral port, but the server takes it only later (wrangler dev binds
 * seconds after it is spawned), and meanwhile every outgoing connection and every `listen(0)` on the
 * machine draws from the same ephemeral range — two wrangler dev processes started together once
 * collided that way. So ports come from below that range (Linux starts it at 32768), at random, each
 * checked bindable and never handed out twice by one process.
 */
import { createServer } from "node:net";

const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set();

/** @returns {Promise<number>} */
export async function freePort() {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port between ${LOW} and ${HIGH}`);
}

function bindable(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
