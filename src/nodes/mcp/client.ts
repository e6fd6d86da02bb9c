/**
 * A session with an MCP server over Streamable HTTP or the legacy HTTP+SSE transport: the `mcp` node
 * and the `agent` node's MCP tools both go through here.
 *
 * - Requests go through the node's outbound HTTP (`ctx.http.open`): the private-network policy,
 *   the response size cap and the caller's abort signal apply to every request of the session.
 * - `timeoutMs` is one deadline for the whole session, from opening to closing: a server that stalls
 *   at any point (the SSE handshake, a tool that never answers) ends it with `mcp_timeout`.
 * - Schemas are checked with the SDK's `CfWorkerJsonSchemaValidator`: its default (Ajv) compiles
 *   schemas with `new Function`, which Workers refuse.
 * - Every failure is a NodeError (src/nodes/mcp/errors.ts); a tool's own failure (`isError`) is a
 *   result, which the caller judges.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { CallToolResultSchema, GetPromptResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { JsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import { NodeError } from "../../engine/outcome";
import { isRecord, type JsonObject, type JsonValue } from "../../lib/json";
import type { HttpClient } from "../capabilities/http";
import { mcpFailure } from "./errors";
import { sessionFetch, type Fetch } from "./fetch";

export type McpTransport = "http" | "sse";
export type McpListKind = "tools" | "resources" | "prompts";

export interface McpSessionOptions {
  /** The server's endpoint: the Streamable HTTP URL, or the SSE stream's URL for `sse`. */
  url: string;
  /** Default `http` (Streamable HTTP); `sse` is the 2024-11-05 HTTP+SSE transport. */
  transport?: McpTransport;
  /** Sent with every request (Authorization, API keys). */
  headers?: Record<string, string>;
  /** One deadline for everything the session does, from opening to closing. */
  timeoutMs: number;
  /** The node's signal: aborting it ends the session with its reason. */
  signal: AbortSignal;
  /** The node's outbound HTTP (`ctx.http`). */
  http: Pick<HttpClient, "open">;
  /** `sse` only: POST messages here (resolved against `url`) instead of the endpoint the server announces; the announced query, which names the session, is kept. */
  messagesEndpoint?: string;
}

/** A tool as `tools/list` describes it. */
export interface McpTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema). */
  inputSchema: JsonObject;
  /** JSON Schema of `structuredContent`, when the tool declares one. */
  outputSchema?: JsonObject;
  /** The whole description as the server sent it (title, annotations...). */
  definition: JsonObject;
}

/** A `tools/call` result. `isError` is the tool's own failure, reported to the caller, not thrown. */
export interface McpToolResult {
  content: JsonValue[];
  structuredContent?: JsonObject;
  isError: boolean;
}

export interface McpListPage {
  items: JsonObject[];
  /** Where the next page starts; null after the last one. */
  nextCursor: string | null;
}

export interface McpSession {
  /** The server's name and version, as it introduced itself. */
  readonly server: { name: string; version: string };
  /** Every tool, following the server's pages (at most MAX_LIST_PAGES). */
  listTools(): Promise<McpTool[]>;
  /** Tools, resources or prompts as the server describes them: `pages` pages from `cursor` (default the first). */
  list(kind: McpListKind, options?: { cursor?: string | undefined; pages?: number }): Promise<McpListPage>;
  /**
   * Calls a tool. Its `structuredContent` is checked against the tool's `outputSchema` (the session
   * lists the tools once to learn them): a mismatch fails with `mcp_invalid_output`; an unknown tool
   * fails with `mcp_tool_not_found`.
   */
  callTool(name: string, args: JsonObject): Promise<McpToolResult>;
  /** `{contents: [{uri, mimeType?, text | blob}]}`. */
  readResource(uri: string): Promise<JsonObject>;
  /** `{description?, messages}`. Prompt arguments are strings in MCP: other values are sent as JSON text. */
  getPrompt(name: string, args: JsonObject): Promise<JsonObject>;
  /** Ends the session (and, over Streamable HTTP, asks the server to forget it). Never throws. */
  close(): Promise<void>;
}

/** Pages followed by one listing: enough for any real server, and a stop for one whose cursors loop. */
export const MAX_LIST_PAGES = 100;

const CLIENT_INFO = { name: "flowrunner", version: "1.0.0" };

/** Opens a session: connects and completes the MCP handshake. Close it when done (`withMcpSession` does). */
export async function openMcpSession(options: McpSessionOptions): Promise<McpSession> {
  const url = parseUrl(options.url);
  const server = `${url.origin}${url.pathname}`;
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new NodeError("mcp_timeout", `The MCP server ${server} did not finish within ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  const signal = AbortSignal.any([options.signal, deadline.signal]);
  let lastTransient: NodeError | undefined;
  const fetch = sessionFetch(options.http, {
    signal,
    until: Date.now() + options.timeoutMs,
    // A refusal (the address policy, the size cap) ends the session now: the SDK would only log it
    // and wait. A transient failure is kept to explain the error the SDK reports for it.
    onFailure: (error) => {
      if (signal.aborted) return;
      if (error.retryable) lastTransient = error;
      else deadline.abort(error);
    },
  });
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(abortReason(signal));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
  aborted.catch(() => undefined);

  const validator = new CfWorkerJsonSchemaValidator();
  const client = new Client(CLIENT_INFO, { jsonSchemaValidator: validator });
  const requestInit = { headers: options.headers ?? {} };
  const transport =
    options.transport === "sse"
      ? new SSEClientTransport(url, { requestInit, fetch: redirectMessages(fetch, url, options.messagesEndpoint) })
      : new StreamableHTTPClientTransport(url, { requestInit, fetch });
  const requestOptions: RequestOptions = { signal, timeout: options.timeoutMs };

  /** Runs one exchange within the deadline; whatever fails becomes the NodeError that explains it best. */
  async function exchange<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await Promise.race([work(), aborted]);
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      const failure = mcpFailure(error, what, server);
      throw failure.code === "mcp_connection_failed" && lastTransient ? lastTransient : failure;
    }
  }

  let closed = false;
  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    // A polite goodbye, within what is left of the deadline; a server that ignores it loses nothing.
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId && !signal.aborted) {
      await Promise.race([transport.terminateSession(), aborted]).catch(() => undefined);
    }
    await client.close().catch(() => undefined);
    clearTimeout(timer);
  }

  try {
    await exchange("initialize", () => client.connect(transport, requestOptions));
  } catch (error) {
    await close();
    throw error;
  }

  let tools: Map<string, { tool: McpTool; check?: JsonSchemaValidator<unknown> }> | undefined;
  async function knownTools() {
    if (!tools) {
      const listed = await listAll();
      tools = new Map(listed.map((tool) => [tool.name, { tool }]));
    }
    return tools;
  }

  /** One page of a list. Tools go through the SDK's listTools, which also prepares its output-schema validators. */
  async function listPage(kind: McpListKind, params: { cursor?: string }): Promise<{ items: unknown[]; nextCursor?: string | undefined }> {
    switch (kind) {
      case "tools": {
        const { tools, nextCursor } = await client.listTools(params, requestOptions);
        return { items: tools, nextCursor };
      }
      case "resources": {
        const { resources, nextCursor } = await client.listResources(params, requestOptions);
        return { items: resources, nextCursor };
      }
      case "prompts": {
        const { prompts, nextCursor } = await client.listPrompts(params, requestOptions);
        return { items: prompts, nextCursor };
      }
    }
  }

  async function list(
    kind: McpListKind,
    { cursor, pages = 1 }: { cursor?: string | undefined; pages?: number } = {},
  ): Promise<McpListPage> {
    const items: JsonObject[] = [];
    let next: string | undefined = cursor;
    for (let page = 0; page < pages; page++) {
      const params = next === undefined ? {} : { cursor: next };
      const result = await exchange(`${kind}/list`, () => listPage(kind, params));
      items.push(...(asJson(result.items) as JsonObject[]));
      next = result.nextCursor;
      if (next === undefined) break;
    }
    return { items, nextCursor: next ?? null };
  }

  async function listAll(): Promise<McpTool[]> {
    const { items } = await list("tools", { pages: MAX_LIST_PAGES });
    return items.map(toTool);
  }

  return {
    server: { name: client.getServerVersion()?.name ?? "unknown", version: client.getServerVersion()?.version ?? "unknown" },
    listTools: listAll,
    list,
    async callTool(name, args) {
      const entry = (await knownTools()).get(name);
      if (!entry) {
        const available = [...(tools?.keys() ?? [])].slice(0, 50);
        throw new NodeError("mcp_tool_not_found", `The MCP server ${server} has no tool '${name}'`, { tool: name, available }, false);
      }
      const raw = await exchange(`tools/call ${name}`, () =>
        client.request({ method: "tools/call", params: { name, arguments: args } }, CallToolResultSchema, requestOptions),
      );
      const result: McpToolResult = { content: asJson(raw.content ?? []) as JsonValue[], isError: raw.isError === true };
      if (raw.structuredContent !== undefined) result.structuredContent = asJson(raw.structuredContent) as JsonObject;
      if (entry.tool.outputSchema && !result.isError) checkOutput(name, entry, result, validator);
      return result;
    },
    async readResource(uri) {
      return asJson(await exchange(`resources/read ${uri}`, () => client.readResource({ uri }, requestOptions))) as JsonObject;
    },
    async getPrompt(name, args) {
      const strings = Object.fromEntries(
        Object.entries(args).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
      );
      const raw = await exchange(`prompts/get ${name}`, () =>
        client.request({ method: "prompts/get", params: { name, arguments: strings } }, GetPromptResultSchema, requestOptions),
      );
      return asJson(raw) as JsonObject;
    },
    close,
  };
}

/** Opens a session, hands it to `work`, and closes it whatever happens. */
export async function withMcpSession<T>(options: McpSessionOptions, work: (session: McpSession) => Promise<T>): Promise<T> {
  const session = await openMcpSession(options);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/**
 * A tool result as text for a model: its text parts joined, other parts (images, resources) and
 * structured content as JSON.
 */
export function toolResultText(result: McpToolResult): string {
  const parts = result.content.map((part) =>
    isRecord(part) && part.type === "text" && typeof part.text === "string" ? part.text : JSON.stringify(part),
  );
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  return parts.join("\n");
}

function checkOutput(
  name: string,
  entry: { tool: McpTool; check?: JsonSchemaValidator<unknown> },
  result: McpToolResult,
  validator: CfWorkerJsonSchemaValidator,
): void {
  if (result.structuredContent === undefined) {
    throw new NodeError(
      "mcp_invalid_output",
      `Tool '${name}' declares an outputSchema but answered no structuredContent`,
      { tool: name },
      false,
    );
  }
  entry.check ??= validator.getValidator(entry.tool.outputSchema!);
  const verdict = entry.check(result.structuredContent);
  if (!verdict.valid) {
    const message = `Tool '${name}' answered structuredContent that does not match its outputSchema: ${verdict.errorMessage ?? "invalid"}`;
    throw new NodeError("mcp_invalid_output", message, { tool: name, structuredContent: result.structuredContent }, false);
  }
}

function toTool(definition: JsonObject): McpTool {
  const tool: McpTool = {
    name: String(definition.name),
    inputSchema: isRecord(definition.inputSchema) ? definition.inputSchema : { type: "object" },
    definition,
  };
  if (typeof definition.description === "string") tool.description = definition.description;
  if (isRecord(definition.outputSchema)) tool.outputSchema = definition.outputSchema;
  return tool;
}

/** The legacy transport's POSTs go to `endpoint` when one is configured, keeping the announced session query. */
function redirectMessages(fetch: Fetch, base: URL, endpoint: string | undefined): Fetch {
  if (endpoint === undefined) return fetch;
  const target = new URL(endpoint, base);
  return (input, init) => {
    if ((init?.method ?? "GET").toUpperCase() !== "POST") return fetch(input, init);
    const announced = new URL(input instanceof Request ? input.url : String(input));
    const url = new URL(target);
    for (const [key, value] of announced.searchParams) url.searchParams.set(key, value);
    return fetch(url, init);
  };
}

function parseUrl(value: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {
    // reported below
  }
  throw new NodeError("invalid_url", "The MCP server URL is not an absolute http or https URL", null, false);
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new NodeError("aborted", "The MCP request was cancelled", null, false);
}

/** SDK results are parsed JSON checked by its schemas: JSON values by construction. */
const asJson = (value: unknown): JsonValue => value as JsonValue;
