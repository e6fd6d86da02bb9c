/** Opening an execution's WebSocket in tests and collecting what it receives. */
import { SELF } from "cloudflare:test";
import { BASE, type TestUser } from "./api";

export interface WsMessage {
  type: string;
  /** Stored events have a seq; ephemeral ones (ctx.emit) do not. */
  event?: { seq: number; type: string; node_id: string | null; at?: string; data: Record<string, unknown> };
  execution?: { id: string; status: string; usage?: Record<string, number> | null };
  cursor?: number;
}

/** Opens the execution's WebSocket and collects every message it receives. */
export async function connect(user: TestUser | null, id: string, query = "", headers: Record<string, string> = {}) {
  const res = await SELF.fetch(`${BASE}/api/v1/executions/${id}/ws${query}`, {
    headers: { Upgrade: "websocket", ...(user ? user.auth : {}), ...headers },
  });
  const ws = res.webSocket;
  const messages: WsMessage[] = [];
  if (ws) {
    ws.accept();
    ws.addEventListener("message", (e) => messages.push(JSON.parse(String(e.data)) as WsMessage));
  }
  const until = async (predicate: (m: WsMessage[]) => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!predicate(messages)) {
      if (Date.now() > end) throw new Error(`timed out; got ${JSON.stringify(messages.map((m) => m.event?.type ?? m.type))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { res, ws, messages, until };
}
