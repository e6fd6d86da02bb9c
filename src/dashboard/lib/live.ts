/**
 * A run watched live over its WebSocket (docs/execution.md): the snapshot, the replayed history, then
 * every event as it happens. The token travels as a subprotocol, never in the URL. A dropped socket
 * reconnects with `after` = the last seq seen, so nothing is missed or repeated.
 */
import type { EphemeralEvent, ExecutionEvent as RunEvent } from "../../engine/types";
import type { ExecutionView } from "../../services/execution-schemas";
import { session } from "./session";

export type { RunEvent };

export type LiveMessage =
  | { type: "snapshot"; execution: ExecutionView }
  | { type: "event"; event: RunEvent }
  | { type: "replayed"; cursor: number }
  | { type: "ephemeral"; event: EphemeralEvent };

export interface LiveHandlers {
  onMessage(message: LiveMessage): void;
  /** Connected (true) or lost and retrying (false). */
  onStatus?(connected: boolean): void;
}

/** Opens the run's socket; the returned function closes it for good. */
export function watchRun(executionId: string, handlers: LiveHandlers): () => void {
  let lastSeq = 0;
  let socket: WebSocket | null = null;
  let closed = false;
  let retry = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    const token = session.get()?.token;
    if (!token || closed) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${window.location.host}/api/v1/executions/${encodeURIComponent(executionId)}/ws?after=${lastSeq}`;
    socket = new WebSocket(url, ["flowrunner", `bearer.${token}`]);
    socket.onopen = () => {
      retry = 500;
      handlers.onStatus?.(true);
    };
    socket.onmessage = (message) => {
      let parsed: LiveMessage;
      try {
        parsed = JSON.parse(String(message.data)) as LiveMessage;
      } catch {
        return;
      }
      if (parsed.type === "event") {
        if (parsed.event.seq <= lastSeq) return;
        lastSeq = parsed.event.seq;
      }
      handlers.onMessage(parsed);
    };
    socket.onclose = () => {
      socket = null;
      if (closed) return;
      handlers.onStatus?.(false);
      timer = setTimeout(open, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    socket?.close(1000);
  };
}
