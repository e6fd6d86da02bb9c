/**
 * A text protocol conversation over `ctx.connect` (SMTP here; IMAP reads its literals with
 * `readBytes`): CRLF lines in, text or bytes out, one deadline and the node's signal over all of it,
 * and the STARTTLS upgrade. Every failure is a NodeError: the connection's own (refused, reset, a
 * TLS certificate the runtime does not trust) are `connection_failed`, retried; the deadline is
 * `<protocol>_timeout`, retried; a line longer than any server sends is `protocol_error`, not retried.
 */
import { NodeError } from "../engine/outcome";
import { concatBytes, utf8 } from "../lib/encoding";
import type { Connect, ConnectOptions, TcpSocket } from "../nodes/capabilities/socket";

/** Longer than any reply line a mail server sends (SMTP's limit is 512, IMAP's lines 8 KiB in practice). */
const MAX_LINE = 64 * 1024;

export interface WireOptions {
  /** `smtp`, `imap`: in error codes and messages. */
  protocol: string;
  host: string;
  port: number;
  signal: AbortSignal;
  /** The whole conversation, upgrades included. */
  timeoutMs: number;
}

export class Wire {
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private writer: WritableStreamDefaultWriter<Uint8Array>;
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly decoder = new TextDecoder();

  private constructor(
    private socket: TcpSocket,
    private readonly options: WireOptions,
    private readonly stop: Stop,
  ) {
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
  }

  /** Opens the connection (through the address policy of `connect`). */
  static open(connect: Connect, tls: ConnectOptions["tls"], options: WireOptions): Wire {
    const stop = new Stop(options);
    let socket: TcpSocket;
    try {
      socket = connect(options.host, options.port, { tls });
    } catch (error) {
      stop.end();
      throw error;
    }
    stop.onAbort(() => void socket.close().catch(() => undefined));
    return new Wire(socket, options, stop);
  }

  /** One line, without its CRLF (a bare LF also ends it). */
  async readLine(): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf(10);
      if (end >= 0) {
        const line = this.buffer.subarray(0, end > 0 && this.buffer[end - 1] === 13 ? end - 1 : end);
        this.buffer = this.buffer.subarray(end + 1);
        return this.decoder.decode(line);
      }
      if (this.buffer.byteLength > MAX_LINE) {
        throw new NodeError("protocol_error", `${this.where()} sent a line longer than ${MAX_LINE} bytes`, null, false);
      }
      await this.fill();
    }
  }

  /** Exactly `n` bytes (an IMAP literal). */
  async readBytes(n: number): Promise<Uint8Array> {
    while (this.buffer.byteLength < n) await this.fill();
    const out = this.buffer.slice(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  async write(data: string | Uint8Array): Promise<void> {
    try {
      await this.stop.race(this.writer.write(typeof data === "string" ? utf8(data) : data));
    } catch (error) {
      throw this.failure(error);
    }
  }

  /**
   * Switches the connection to TLS (opened with `tls: "starttls"`), after the protocol's STARTTLS
   * exchange. Whatever the server sent past its go-ahead would be plaintext injected into the TLS
   * session, so it is refused.
   */
  upgrade(): void {
    if (this.buffer.byteLength > 0) {
      throw new NodeError("protocol_error", `${this.where()} sent data after agreeing to STARTTLS`, null, false);
    }
    this.reader.releaseLock();
    this.writer.releaseLock();
    this.socket = this.socket.startTls();
    const upgraded = this.socket;
    this.stop.onAbort(() => void upgraded.close().catch(() => undefined));
    this.reader = upgraded.readable.getReader();
    this.writer = upgraded.writable.getWriter();
  }

  /** Closes the socket and clears the deadline; never throws. */
  async close(): Promise<void> {
    this.stop.end();
    await this.socket.close().catch(() => undefined);
  }

  private async fill(): Promise<void> {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await this.stop.race(this.reader.read());
    } catch (error) {
      throw this.failure(error);
    }
    if (chunk.done) throw new NodeError("connection_failed", `${this.where()} closed the connection`, this.details());
    this.buffer = this.buffer.byteLength === 0 ? chunk.value : concatBytes(this.buffer, chunk.value);
  }

  private failure(error: unknown): Error {
    if (this.stop.reason) return this.stop.reason;
    if (error instanceof NodeError) return error;
    const said = error instanceof Error ? error.message : String(error);
    // workerd reports a certificate it does not trust as a bare "internal error".
    return new NodeError(
      "connection_failed",
      `The connection to ${this.where()} failed: ${said} (refused, reset, or a TLS certificate that is not trusted)`,
      this.details(),
    );
  }

  private where(): string {
    return `${this.options.protocol.toUpperCase()} server ${this.options.host}:${this.options.port}`;
  }

  private details() {
    return { host: this.options.host, port: this.options.port };
  }
}

/** The deadline and the node's signal, as one rejection every read and write races against. */
class Stop {
  reason: Error | undefined;
  private readonly stopped: Promise<never>;
  private readonly listeners: (() => void)[] = [];
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly onSignal: () => void;

  constructor(private readonly options: WireOptions) {
    let reject!: (error: Error) => void;
    this.stopped = new Promise<never>((_, r) => (reject = r));
    this.stopped.catch(() => undefined);
    const fire = (reason: Error) => {
      if (this.reason) return;
      this.reason = reason;
      reject(reason);
      for (const listener of this.listeners) listener();
    };
    this.timer = setTimeout(
      () =>
        fire(
          new NodeError(
            `${options.protocol}_timeout`,
            `The ${options.protocol.toUpperCase()} server ${options.host}:${options.port} did not finish within ${options.timeoutMs} ms`,
            {
              host: options.host,
              port: options.port,
            },
          ),
        ),
      options.timeoutMs,
    );
    this.onSignal = () =>
      fire(
        options.signal.reason instanceof Error ? options.signal.reason : new NodeError("cancelled", "The send was cancelled", null, false),
      );
    if (options.signal.aborted) this.onSignal();
    else options.signal.addEventListener("abort", this.onSignal, { once: true });
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.stopped]);
  }

  onAbort(listener: () => void): void {
    if (this.reason) listener();
    else this.listeners.push(listener);
  }

  end(): void {
    clearTimeout(this.timer);
    this.options.signal.removeEventListener("abort", this.onSignal);
  }
}
