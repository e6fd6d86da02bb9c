/**
 * The `fetch` the MCP SDK's transports are given: each request goes out through `ctx.http.open` (the
 * address policy on every hop, the byte cap, the session's signal) within what is left of the
 * session's deadline, and its body streams (the transports read server-sent events as they come).
 */
import { NodeError } from "../../engine/outcome";
import type { HttpClient } from "../capabilities/http";

/** The shape of `fetch` the SDK's transports take as an option. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Statuses whose Response cannot have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

export interface SessionFetchOptions {
  /** Ends every request of the session and the bodies being read. */
  signal: AbortSignal;
  /** The session's deadline (epoch milliseconds). */
  until: number;
  /**
   * Told of every NodeError a request or a body fails with: the SDK reports a broken event stream only
   * as "disconnected", and a refused request only to its error handler, so the session learns the
   * real cause here.
   */
  onFailure(error: NodeError): void;
}

export function sessionFetch(http: Pick<HttpClient, "open">, options: SessionFetchOptions): Fetch {
  const report = (error: unknown) => {
    if (error instanceof NodeError) options.onFailure(error);
    return error;
  };
  return async (input, init = {}) => {
    const url = input instanceof Request ? input.url : input;
    let answer;
    try {
      answer = await http.open(url, {
        method: init.method ?? "GET",
        ...(init.headers === undefined ? {} : { headers: init.headers }),
        body: bodyOf(init.body),
        timeoutMs: Math.max(1, options.until - Date.now()),
        signal: init.signal ? AbortSignal.any([options.signal, init.signal]) : options.signal,
        // The SDK follows a redirect itself when it stays on the server's origin, and asks for manual.
        followRedirects: init.redirect !== "manual",
      });
    } catch (error) {
      throw report(error);
    }
    const reader = answer.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const chunk = await reader.read();
          if (chunk.done) controller.close();
          else controller.enqueue(chunk.value);
        } catch (error) {
          controller.error(report(error));
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(NULL_BODY.has(answer.status) ? null : body, {
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers,
    });
  };
}

function bodyOf(body: RequestInit["body"]): string | Uint8Array | null {
  if (body === undefined || body === null) return null;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  // The transports send JSON text; anything else would be a change in the SDK worth hearing about.
  throw new NodeError("mcp_invalid_request", "The MCP client tried to send a body that is not text", null, false);
}
