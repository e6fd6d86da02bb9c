/**
 * `ctx.connect(host, port, { tls })`: an outbound TCP socket for protocols that are not HTTP (SMTP,
 * IMAP, database wire protocols). The shape mirrors the Sockets API Workers implements
 * (https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/), so a Workers adapter is a thin
 * wrapper and other runtimes can supply their own. Core code never imports `cloudflare:sockets`; the
 * execution object injects the connect function.
 */
import { NodeError } from "../../engine/outcome";
import { checkHost, type PrivateNetworkPolicy } from "./network-policy";

/** As the runtime reports them, when it does (workerd gives `"127.0.0.1:2525"`, `"[::1]:2525"`). */
export interface TcpSocketInfo {
  remoteAddress?: string;
  localAddress?: string;
}

export interface TcpSocket {
  readable: ReadableStream<Uint8Array>;
  /** Accepts Uint8Array chunks only. */
  writable: WritableStream<Uint8Array>;
  /** Resolves once connected; rejects when the connection cannot be made. */
  opened: Promise<TcpSocketInfo>;
  /** Resolves when the socket closes; rejects on a socket error. */
  closed: Promise<void>;
  /** Closes both directions. */
  close(): Promise<void>;
  /**
   * Upgrades a socket opened with `tls: "starttls"` to TLS and returns the new socket; the original one
   * is closed and unusable from then on. Call it once, after the protocol's STARTTLS exchange.
   */
  startTls(): TcpSocket;
}

export interface ConnectOptions {
  /** true: TLS from the start; false: plain TCP; "starttls": plain, upgradable with `startTls()`. */
  tls: boolean | "starttls";
}

/**
 * Opens a socket. `host` is a name, an IPv4 address or a bracketed IPv6 address (the form workerd's
 * `connect` accepts; it refuses an unbracketed one). Connection failures surface through `opened` (and `closed`); an address the policy
 * refuses throws at once.
 */
export type Connect = (host: string, port: number, options: ConnectOptions) => TcpSocket;

/** SMTP relay: refused by Workers and, under "deny", here too, so that every runtime behaves alike. */
const SMTP_PORT = 25;

/**
 * Applies the private-network policy to a connect function. The host is normalised the way URL parsing
 * does (`0x7f.1` is 127.0.0.1) and the normalised form is what reaches `connect`, so the address checked
 * is the address dialled. Throws a non-retryable NodeError:
 * - `invalid_address`: the host is not a bare name or address, the port is not 1–65535, or `tls` is
 *   not one of true, false, "starttls";
 * - `address_not_allowed`: under "deny", a local, private or reserved host, or port 25.
 * Names are not resolved (there is no DNS API in Workers): see network-policy.ts.
 */
export function guardedConnect(connect: Connect, policy: PrivateNetworkPolicy): Connect {
  return (host, port, options) => {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new NodeError("invalid_address", `Port ${String(port)} is not a TCP port (1-65535)`, null, false);
    }
    const tls = options?.tls;
    if (tls !== true && tls !== false && tls !== "starttls") {
      throw new NodeError("invalid_address", 'tls must be true, false or "starttls"', null, false);
    }
    const check = checkHost(host, policy);
    if (!check.ok) {
      if (check.reason === "address_not_allowed") {
        throw new NodeError("address_not_allowed", check.message, { host: check.hostname, port }, false);
      }
      throw new NodeError("invalid_address", check.message, null, false);
    }
    if (policy === "deny" && port === SMTP_PORT) {
      throw new NodeError(
        "address_not_allowed",
        `Connections to port ${SMTP_PORT} are not allowed; use a submission port (587 or 465)`,
        { host: check.hostname, port },
        false,
      );
    }
    return connect(check.hostname, port, { tls });
  };
}
