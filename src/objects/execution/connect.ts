import { connect } from "cloudflare:sockets";
import type { PrivateNetworkPolicy } from "../../nodes/capabilities/network-policy";
import { guardedConnect, type Connect, type TcpSocket } from "../../nodes/capabilities/socket";

/**
 * `ctx.connect` on Workers: `connect()` from `cloudflare:sockets` behind the private-network policy.
 * The platform keeps its own refusals on top (Cloudflare IP ranges, private addresses, port 25).
 */
export function workersConnect(policy: PrivateNetworkPolicy): Connect {
  return guardedConnect(
    (host, port, { tls }) =>
      adapt(
        connect(
          { hostname: host, port },
          { secureTransport: tls === true ? "on" : tls === "starttls" ? "starttls" : "off", allowHalfOpen: false },
        ),
      ),
    policy,
  );
}

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
