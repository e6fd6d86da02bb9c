/**
 * How a failure of an MCP exchange becomes a NodeError. The SDK reports them in several shapes
 * (McpError for JSON-RPC errors, StreamableHTTPError and SseError carrying an HTTP status, plain
 * Errors for the legacy transport's POSTs, zod errors for answers that are not MCP); each maps to
 * one stable code, and the retry flag says whether the same call could go better next time.
 */
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { SseError } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { NodeError } from "../../engine/outcome";
import type { JsonValue } from "../../lib/json";

/** JSON-RPC and MCP error codes the mapping treats specially. */
export const MCP_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Reported by the SDK itself when the connection closed under a pending request. */
  connectionClosed: -32000,
  /** Reported by the SDK itself when its own request timer fired. */
  requestTimeout: -32001,
  resourceNotFound: -32002,
} as const;

/** A server fault or a broken connection may pass; a refusal of the request as such will not. */
const RETRYABLE_MCP_CODES = new Set<number>([MCP_CODES.internalError, MCP_CODES.connectionClosed]);

/** HTTP statuses worth another attempt: the server was busy, down or slow. */
const retryableStatus = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/**
 * The NodeError for anything an MCP exchange threw. `what` names the request in messages
 * ("tools/call add"); `server` is the server's origin and path (never its query, which may carry
 * credentials).
 */
export function mcpFailure(error: unknown, what: string, server: string): NodeError {
  if (error instanceof NodeError) return error;
  const message = cleanMessage(error instanceof Error ? error.message : String(error));
  if (error instanceof McpError) return jsonRpcFailure(error.code, message, error.data, what, server);
  if (error instanceof UnauthorizedError) return httpFailure(401, message, what, server);
  if (error instanceof Error && error.name === "ZodError") {
    return new NodeError("mcp_invalid_response", `${what}: the answer of ${server} is not a valid MCP result`, null, false);
  }
  const code = error instanceof StreamableHTTPError || error instanceof SseError ? error.code : undefined;
  // StreamableHTTPError uses -1 for an answer that is neither JSON nor an event stream.
  if (code === -1) return new NodeError("mcp_invalid_response", `${what}: ${server} answered ${message}`, null, false);
  const status = code ?? httpStatusIn(message);
  if (status !== undefined && status >= 300) return httpFailure(status, message, what, server);
  return new NodeError("mcp_connection_failed", `${what}: the connection to ${server} failed: ${message}`);
}

function jsonRpcFailure(code: number, message: string, data: unknown, what: string, server: string): NodeError {
  if (code === MCP_CODES.requestTimeout) return new NodeError("mcp_timeout", `${what}: ${server} did not answer in time`);
  const details: { [key: string]: JsonValue } = { mcp_code: code };
  if (data !== undefined) details.data = data as JsonValue;
  return new NodeError("mcp_error", `${what} failed at ${server}: ${message} (MCP error ${code})`, details, RETRYABLE_MCP_CODES.has(code));
}

function httpFailure(status: number, message: string, what: string, server: string): NodeError {
  return new NodeError("mcp_http_error", `${what}: ${server} answered HTTP ${status}: ${message}`, { status }, retryableStatus(status));
}

/** The legacy SSE transport reports a refused POST only in its message: "Error POSTing to endpoint (HTTP 503): ...". */
function httpStatusIn(message: string): number | undefined {
  const match = /\(HTTP (\d{3})\)/.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** The SDK prefixes "MCP error <code>: " on each side of the wire, so a server's message can carry it twice. */
function cleanMessage(message: string): string {
  return message.replace(/^(?:(?:MCP error -?\d+|Streamable HTTP error|SSE error): )+/, "").trim() || "no message";
}
