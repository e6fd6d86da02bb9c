import { describe, expect, it } from "vitest";
import { NodeError } from "../../../src/engine/outcome";
import { guardedConnect, type Connect, type ConnectOptions, type TcpSocket } from "../../../src/nodes/capabilities/socket";

/** A connect that records what reaches it; the policy under test decides what does. */
function recording() {
  const calls: [string, number, ConnectOptions][] = [];
  const socket = {} as TcpSocket;
  const connect: Connect = (host, port, options) => {
    calls.push([host, port, options]);
    return socket;
  };
  return { calls, connect, socket };
}

function thrown(call: () => unknown): NodeError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(NodeError);
    return error as NodeError;
  }
  throw new Error("expected a NodeError");
}

describe("guardedConnect", () => {
  it("passes the normalised host, the port and the TLS mode through", () => {
    const { calls, connect, socket } = recording();
    const guarded = guardedConnect(connect, "deny");
    expect(guarded("SMTP.Example.com", 587, { tls: "starttls" })).toBe(socket);
    guarded("imap.example.com", 993, { tls: true });
    guarded("8.8.8.8", 53, { tls: false });
    expect(calls).toEqual([
      ["smtp.example.com", 587, { tls: "starttls" }],
      ["imap.example.com", 993, { tls: true }],
      ["8.8.8.8", 53, { tls: false }],
    ]);
  });

  it.for(["127.0.0.1", "0x7f.1", "localhost", "mail.localhost", "::1", "[::ffff:10.0.0.1]", "169.254.169.254", "192.168.0.10"])(
    "refuses %s under deny without dialling",
    (host) => {
      const { calls, connect } = recording();
      const error = thrown(() => guardedConnect(connect, "deny")(host, 143, { tls: false }));
      expect([error.code, error.retryable]).toEqual(["address_not_allowed", false]);
      expect(calls).toEqual([]);
    },
  );

  it("refuses port 25 under deny and allows it under allow", () => {
    const { calls, connect } = recording();
    const error = thrown(() => guardedConnect(connect, "deny")("mx.example.com", 25, { tls: false }));
    expect(error.code).toBe("address_not_allowed");
    expect(error.details).toEqual({ host: "mx.example.com", port: 25 });
    guardedConnect(connect, "allow")("127.0.0.1", 25, { tls: false });
    expect(calls).toEqual([["127.0.0.1", 25, { tls: false }]]);
  });

  it("dials private hosts under allow, normalised", () => {
    const { calls, connect } = recording();
    guardedConnect(connect, "allow")("2130706433", 2525, { tls: false });
    guardedConnect(connect, "allow")("::1", 2525, { tls: false });
    expect(calls.map(([host]) => host)).toEqual(["127.0.0.1", "[::1]"]);
  });

  it.for([
    ["host with a port", "example.com:25", 587, { tls: false }],
    ["host with userinfo", "a@example.com", 587, { tls: false }],
    ["empty host", "", 587, { tls: false }],
    ["port 0", "example.com", 0, { tls: false }],
    ["port 65536", "example.com", 65_536, { tls: false }],
    ["fractional port", "example.com", 25.5, { tls: false }],
    ["unknown tls mode", "example.com", 587, { tls: "yes" }],
  ] as [string, string, number, ConnectOptions][])("rejects a %s as invalid_address, whatever the policy", ([, host, port, options]) => {
    const { calls, connect } = recording();
    for (const policy of ["allow", "deny"] as const) {
      const error = thrown(() => guardedConnect(connect, policy)(host, port, options));
      expect([error.code, error.retryable]).toEqual(["invalid_address", false]);
    }
    expect(calls).toEqual([]);
  });
});
