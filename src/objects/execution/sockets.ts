import type { EphemeralEvent, ExecutionEvent } from "../../engine/types";
import type { ExecutionView } from "../../services/execution-schemas";

/**
 * Live watchers of one execution over hibernatable WebSockets: the object
 * can sleep between events without dropping them.
 */
export class ExecutionSockets {
  constructor(private readonly ctx: DurableObjectState) {
    // Answered by the runtime itself, without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  accept(snapshot: ExecutionView, backlog: ExecutionEvent[], after: number): Response {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: "snapshot", execution: snapshot }));
    for (const event of backlog) server.send(JSON.stringify({ type: "event", event }));
    server.send(JSON.stringify({ type: "replayed", cursor: backlog.at(-1)?.seq ?? after }));
    return new Response(null, { status: 101, webSocket: client });
  }

  broadcast(event: ExecutionEvent): void {
    this.send({ type: "event", event });
  }

  /** Whether any watcher is connected now. */
  watching(): boolean {
    return this.ctx.getWebSockets().length > 0;
  }

  /** An event that is not recorded (no seq, not replayed): only the watchers connected now see it. */
  broadcastEphemeral(event: EphemeralEvent): void {
    this.send({ type: "ephemeral", event });
  }

  private send(payload: { type: "event"; event: ExecutionEvent } | { type: "ephemeral"; event: EphemeralEvent }): void {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const message = JSON.stringify(payload);
    for (const ws of sockets) {
      try {
        ws.send(message);
      } catch {
        // A socket closing under us is not the run's problem.
      }
    }
  }

  onMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    if (typeof message !== "string") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      ws.send(JSON.stringify({ type: "error", message: "Messages must be JSON" }));
      return;
    }
    if (typeof parsed === "object" && parsed !== null && (parsed as { type?: unknown }).type === "ping") {
      ws.send(JSON.stringify({ type: "pong", time: new Date().toISOString() }));
    }
  }

  /** Ends every watcher's connection, e.g. when the run is deleted. */
  closeAll(code: number, reason: string): void {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(code, reason);
      } catch {
        // Already closed.
      }
    }
  }

  onClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // Already closed.
    }
  }
}
