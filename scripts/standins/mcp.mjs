// A real MCP server for local development and tests, built on @modelcontextprotocol/sdk's low-level
// Server, on 127.0.0.1. It speaks both HTTP transports of the specification:
//   /mcp                  Streamable HTTP (sessions, POST + GET stream + DELETE)
//   /sse, /messages       the legacy HTTP+SSE transport (2024-11-05)
// The same paths under /auth/ require `Authorization: Bearer <token>` and answer 401 without it;
// /status/<code>/mcp answers every request with that HTTP status.
//
// It offers tools with and without an outputSchema, one that answers isError, one that throws (a
// JSON-RPC error), a slow one, resources and prompts; tools, resources and prompts are listed a few
// per page, so clients must follow nextCursor. The SDK checks every JSON-RPC message it receives and
// answers malformed ones with JSON-RPC errors.
//
// What it received is readable at GET /_calls?key=<k>: the tool calls and HTTP requests that carried
// the header `X-Test-Key: <k>`, so tests running side by side each see their own.
//
// Run it alone: `node scripts/standins/mcp.mjs [port]` prints its base URL.
import { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  isInitializeRequest,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";

export const STANDIN_MCP_TOKEN = "standin-mcp-token";
/** The specification's code for an unknown resource. */
export const RESOURCE_NOT_FOUND = -32002;
const PAGE_SIZE = 3;

const SUM_SCHEMA = { type: "object", properties: { sum: { type: "number" } }, required: ["sum"], additionalProperties: false };

const TOOLS = [
  {
    name: "add",
    title: "Add two numbers",
    description: "Adds a and b; answers {sum} as structured content.",
    inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
    outputSchema: SUM_SCHEMA,
  },
  {
    name: "echo",
    description: "Answers its text back as text content.",
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
  },
  {
    name: "fail",
    description: "Always answers a result with isError: true.",
    inputSchema: { type: "object", properties: { reason: { type: "string" } } },
  },
  {
    name: "explode",
    description: "Throws: the server answers a JSON-RPC internal error.",
    inputSchema: { type: "object", properties: {} },
  },
  {
    name: "slow",
    description: "Waits ms milliseconds, then answers.",
    inputSchema: { type: "object", properties: { ms: { type: "number" } }, required: ["ms"] },
  },
  {
    name: "bad_output",
    description: "Declares the add tool's outputSchema but answers structured content that does not match it.",
    inputSchema: { type: "object", properties: {} },
    outputSchema: SUM_SCHEMA,
  },
  {
    name: "whoami",
    description: "Answers the Authorization header it received (to check that clients redact it).",
    inputSchema: { type: "object", properties: {} },
  },
  {
    name: "flaky",
    description: "Answers isError for the first `failures` calls carrying the same X-Test-Key, then succeeds.",
    inputSchema: { type: "object", properties: { failures: { type: "number" } }, required: ["failures"] },
  },
];

const RESOURCES = [
  { uri: "standin://greeting", name: "greeting", mimeType: "text/plain", text: "Hello from the MCP stand-in" },
  { uri: "standin://data.json", name: "data", mimeType: "application/json", text: JSON.stringify({ items: [1, 2, 3] }) },
  { uri: "standin://pixel.png", name: "pixel", mimeType: "image/png", blob: "iVBORw0KGgo=" },
];

const PROMPTS = [
  { name: "summarize", description: "Asks for a summary of text", arguments: [{ name: "text", required: true }] },
  { name: "greeting", description: "A fixed greeting", arguments: [] },
];

/** One page of `items` from `cursor` (an index written as text), as the specification's list results page. */
function page(items, cursor, key) {
  const start = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new McpError(ErrorCode.InvalidParams, "Invalid cursor");
  const end = start + PAGE_SIZE;
  return { [key]: items.slice(start, end), ...(end < items.length ? { nextCursor: String(end) } : {}) };
}

const text = (value) => [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value) }];

export async function startMcpStandin({ port = 0, host = "127.0.0.1", token = STANDIN_MCP_TOKEN } = {}) {
  /** Per X-Test-Key: tool calls and requests, in arrival order. */
  const seen = new Map();
  const flakyCounts = new Map();
  const record = (key) => {
    if (!seen.has(key)) seen.set(key, { calls: [], requests: [] });
    return seen.get(key);
  };
  const keyOf = (headers) => {
    const value = headers?.["x-test-key"];
    return Array.isArray(value) ? value[0] : (value ?? "");
  };

  function mcpServer() {
    const server = new Server(
      { name: "flowrunner-standin", version: "1.0.0" },
      { capabilities: { tools: {}, resources: {}, prompts: {} } },
    );
    server.setRequestHandler(ListToolsRequestSchema, (request) => page(TOOLS, request.params?.cursor, "tools"));
    server.setRequestHandler(ListResourcesRequestSchema, (request) =>
      page(
        RESOURCES.map(({ uri, name, mimeType }) => ({ uri, name, mimeType })),
        request.params?.cursor,
        "resources",
      ),
    );
    server.setRequestHandler(ListPromptsRequestSchema, (request) => page(PROMPTS, request.params?.cursor, "prompts"));
    server.setRequestHandler(ReadResourceRequestSchema, (request) => {
      const found = RESOURCES.find((r) => r.uri === request.params.uri);
      if (!found) throw new McpError(RESOURCE_NOT_FOUND, "Resource not found", { uri: request.params.uri });
      const { uri, mimeType } = found;
      return { contents: [found.blob === undefined ? { uri, mimeType, text: found.text } : { uri, mimeType, blob: found.blob }] };
    });
    server.setRequestHandler(GetPromptRequestSchema, (request) => {
      const { name, arguments: args = {} } = request.params;
      if (name === "greeting") return { messages: [{ role: "user", content: { type: "text", text: "Say hello." } }] };
      if (name !== "summarize") throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
      if (typeof args.text !== "string") throw new McpError(ErrorCode.InvalidParams, "Missing required argument: text");
      return {
        description: "Summary request",
        messages: [{ role: "user", content: { type: "text", text: `Summarize in one sentence: ${args.text}` } }],
      };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const { name, arguments: args = {} } = request.params;
      const headers = extra.requestInfo?.headers ?? {};
      const key = keyOf(headers);
      record(key).calls.push({ tool: name, arguments: args });
      switch (name) {
        case "add": {
          if (typeof args.a !== "number" || typeof args.b !== "number")
            throw new McpError(ErrorCode.InvalidParams, "a and b must be numbers");
          const sum = args.a + args.b;
          return { content: text({ sum }), structuredContent: { sum } };
        }
        case "echo":
          return { content: text(String(args.text ?? "")) };
        case "fail":
          return { content: text(`failed: ${args.reason ?? "no reason"}`), isError: true };
        case "explode":
          throw new Error("the tool exploded");
        case "slow": {
          const ms = Number(args.ms) || 0;
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, ms);
            extra.signal.addEventListener("abort", () => {
              clearTimeout(timer);
              resolve();
            });
          });
          return { content: text(`slept ${ms} ms`) };
        }
        case "bad_output":
          return { content: text("not a sum"), structuredContent: { sum: "not a number" } };
        case "whoami":
          return { content: text(`authorization: ${headers.authorization ?? "none"}`) };
        case "flaky": {
          const n = (flakyCounts.get(key) ?? 0) + 1;
          flakyCounts.set(key, n);
          return n <= Number(args.failures)
            ? { content: text(`attempt ${n} failed`), isError: true }
            : { content: text(`attempt ${n} worked`) };
        }
        default:
          throw new McpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
      }
    });
    return server;
  }

  /** Streamable HTTP sessions by id, and legacy SSE sessions by id. */
  const streamable = new Map();
  const legacy = new Map();

  async function readJson(req) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString("utf8");
    if (body === "") return undefined;
    try {
      return JSON.parse(body);
    } catch {
      return Symbol.for("malformed");
    }
  }

  const json = (res, status, body) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const rpcError = (res, status, code, message) => json(res, status, { jsonrpc: "2.0", error: { code, message }, id: null });

  async function handleStreamable(req, res) {
    const sessionId = req.headers["mcp-session-id"];
    const body = req.method === "POST" ? await readJson(req) : undefined;
    if (body === Symbol.for("malformed")) return rpcError(res, 400, ErrorCode.ParseError, "Parse error");
    let transport = typeof sessionId === "string" ? streamable.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) return rpcError(res, 404, -32001, "Session not found");
      if (req.method !== "POST" || !isInitializeRequest(body)) {
        return rpcError(res, 400, ErrorCode.InvalidRequest, "Bad Request: no session; send initialize first");
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => streamable.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) streamable.delete(transport.sessionId);
      };
      await mcpServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  }

  async function handleLegacy(req, res, prefix, path) {
    if (req.method === "GET" && path === "/sse") {
      const transport = new SSEServerTransport(`${prefix}/messages`, res);
      legacy.set(transport.sessionId, transport);
      res.on("close", () => legacy.delete(transport.sessionId));
      await mcpServer().connect(transport);
      return;
    }
    if (req.method === "POST" && path === "/messages") {
      const transport = legacy.get(new URL(req.url, "http://x").searchParams.get("sessionId") ?? "");
      if (!transport) return json(res, 404, { error: "no such SSE session" });
      const body = await readJson(req);
      if (body === Symbol.for("malformed")) return rpcError(res, 400, ErrorCode.ParseError, "Parse error");
      await transport.handlePostMessage(req, res, body);
      return;
    }
    json(res, 405, { error: "method not allowed" });
  }

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/_calls") {
      const entry = seen.get(url.searchParams.get("key") ?? "") ?? { calls: [], requests: [] };
      const counts = {};
      for (const call of entry.calls) counts[call.tool] = (counts[call.tool] ?? 0) + 1;
      return json(res, 200, { counts, ...entry });
    }
    record(keyOf(req.headers)).requests.push({ method: req.method, path: url.pathname, headers: req.headers });
    const status = /^\/status\/(\d{3})\//.exec(url.pathname);
    if (status) return json(res, Number(status[1]), { error: `status ${status[1]} as asked` });
    let prefix = "";
    let path = url.pathname;
    if (path.startsWith("/auth/")) {
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { "Content-Type": "application/json", "WWW-Authenticate": 'Bearer realm="standin"' });
        return res.end(JSON.stringify({ error: "missing or wrong bearer token" }));
      }
      prefix = "/auth";
      path = path.slice(prefix.length);
    }
    const work = path === "/mcp" ? handleStreamable(req, res) : handleLegacy(req, res, prefix, path);
    work.catch((error) => {
      if (!res.headersSent) json(res, 500, { error: String(error?.message ?? error) });
      else res.end();
    });
  });

  await new Promise((resolve) => http.listen(port, host, resolve));
  const address = http.address();
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      for (const transport of [...streamable.values(), ...legacy.values()]) await transport.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise((resolve) => http.close(() => resolve()));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const standin = await startMcpStandin({ port: Number(process.argv[2] ?? 0) });
  console.log(`MCP stand-in on ${standin.url}/mcp (Streamable HTTP) and ${standin.url}/sse (legacy SSE)`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => standin.close().then(() => process.exit(0)));
}
