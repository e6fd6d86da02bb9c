import { connect } from "cloudflare:sockets";
import type { Connect, TcpSocket } from "../../nodes/capabilities/socket";

/**
 * Raw TCP on Workers: `connect()` from `cloudflare:sockets`. The node lifecycle puts it behind the
 * private-network policy (guardedConnect), and the platform keeps its own refusals on top (Cloudflare
 * IP ranges, private addresses, port 25).
 */
export const workersConnect: Connect = (host, port, { tls }) =>
  adapt(
    connect(
      { hostname: host, port },
      { secureTransport: tls === true ? "on" : tls === "starttls" ? "starttls" : "off", allowHalfOpen: false },
    ),
  );

function adapt(socket: Socket): TcpSocket {
  const opened = socket.opened.then((info) => ({
    ...(info.remoteAddress ? { remoteAddress: info.remoteAddress } : {}),
    ...(info.localAddress ? { localAddress: info.localAddress } : {}),
  }));
  // A caller that only uses the streams never awaits `opened`; its failure also errors the streams.
  opened.catch(() => undefined);
  return {
    // The Sockets API yields bytes on `readable` and accepts only byte chunks on `writable`.
    readable: socket.readable as ReadableStream<Uint8Array>,
    writable: socket.writable as WritableStream<Uint8Array>,
    opened,
    closed: socket.closed,
    close: () => socket.close(),
    startTls: () => adapt(socket.startTls()),
  };
}
