import { describe, expect, inject, it } from "vitest";
import { guardedConnect } from "../../src/nodes/capabilities/socket";
import { workersConnect } from "../../src/objects/execution/connect";

/** As the node lifecycle hands it to nodes: the runtime's connect behind the policy. */
const nodeConnect = (policy: "allow" | "deny") => guardedConnect(workersConnect, policy);
import type { TcpSocket } from "../../src/nodes/capabilities/socket";

const PORT = inject("tcpEchoPort");

/** Reads CRLF-terminated lines from a socket. */
function lines(socket: TcpSocket) {
  const reader = socket.readable.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(): Promise<string> {
      for (;;) {
        const end = buffer.indexOf("\r\n");
        if (end >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return line;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error(`socket closed with ${JSON.stringify(buffer)} unread`);
        buffer += decoder.decode(value, { stream: true });
      }
    },
    release: () => reader.releaseLock(),
  };
}

describe("ctx.connect on Workers (cloudflare:sockets)", () => {
  it("writes a line to a TCP server on 127.0.0.1 and reads the echo back", async () => {
    const socket = nodeConnect("allow")("127.0.0.1", PORT, { tls: false });
    const info = await socket.opened;
    expect(info).toBeTypeOf("object");
    const reader = lines(socket);
    expect(await reader.next()).toBe("hello");
    const writer = socket.writable.getWriter();
    await writer.write(new TextEncoder().encode("ping ünïcode\r\n"));
    expect(await reader.next()).toBe("echo: ping ünïcode");
    await writer.write(new TextEncoder().encode("QUIT\r\n"));
    expect(await reader.next()).toBe("bye");
    writer.releaseLock();
    reader.release();
    await socket.close();
    await socket.closed;
  });

  it("connects to the normalised host: 0x7f.1 is 127.0.0.1", async () => {
    const socket = nodeConnect("allow")("0x7f.1", PORT, { tls: false });
    expect(await lines(socket).next()).toBe("hello");
    await socket.close();
  });

  it("refuses 127.0.0.1, its other spellings and port 25 under deny, before dialling", () => {
    const connect = nodeConnect("deny");
    for (const host of ["127.0.0.1", "localhost", "2130706433", "::1", "10.0.0.1"]) {
      expect(() => connect(host, PORT, { tls: false }), host).toThrow(expect.objectContaining({ code: "address_not_allowed" }));
    }
    expect(() => connect("smtp.example.com", 25, { tls: false })).toThrow(
      expect.objectContaining({ code: "address_not_allowed", message: expect.stringContaining("port 25") }),
    );
    expect(() => connect("127.0.0.1", 0, { tls: false })).toThrow(expect.objectContaining({ code: "invalid_address" }));
  });

  it("reports a refused connection through opened", async () => {
    // Port 1 on loopback: nothing listens there.
    const socket = nodeConnect("allow")("127.0.0.1", 1, { tls: false });
    await expect(socket.opened).rejects.toThrow();
  });
});
