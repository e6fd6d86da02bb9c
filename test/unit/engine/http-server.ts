import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP server for effect steps: `/value/<v>?delay=<ms>` answers `{"value": v}` after the
 * delay; `/hang` never answers. Counts requests per path.
 */
export async function startServer(): Promise<{ base: string; hits: Map<string, number>; close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    if (url.pathname === "/hang") return;
    const value = decodeURIComponent(url.pathname.split("/")[2] ?? "");
    setTimeout(
      () => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ value })),
      Number(url.searchParams.get("delay") ?? 0),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
