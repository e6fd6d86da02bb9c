/** `mcp`: one operation on an MCP server, in a session of its own (src/nodes/mcp/client.ts). */
import { NodeError } from "../../engine/outcome";
import type { ParamsOf } from "../../flow/node-types/spec";
import type { JsonValue } from "../../lib/json";
import { defineNode, done } from "../define";
import { MAX_LIST_PAGES, toolResultText, withMcpSession, type McpListKind, type McpSession } from "./client";
import { mcp, type McpOperation } from "./spec";

type McpParams = ParamsOf<typeof mcp>;

const LISTS: Partial<Record<McpOperation, McpListKind>> = { listTools: "tools", listResources: "resources", listPrompts: "prompts" };

/** How much of a failed tool's text goes into the error message; the whole content is in the details. */
const MESSAGE_EXCERPT = 500;

export const mcpNode = defineNode({
  spec: mcp,
  // Listing and reading change nothing on the server; a tool call may.
  sideEffects: (params) => params.operation === "executeTool",
  run: async (ctx) => {
    const { params } = ctx;
    const started = ctx.now();
    const headers = Object.fromEntries(Object.entries(params.headers ?? {}).map(([name, value]) => [name, String(value)]));
    const result = await withMcpSession(
      {
        url: params.url,
        transport: params.connectionType,
        headers,
        timeoutMs: params.timeout,
        signal: ctx.signal,
        http: ctx.http,
        ...(params.messagesPostEndpoint === undefined ? {} : { messagesEndpoint: params.messagesPostEndpoint }),
      },
      (session) => perform(session, params),
    );
    const timing = ctx.now() - started;
    ctx.log("info", `MCP ${describe(params)} answered in ${timing} ms`, { operation: params.operation, timing_ms: timing });
    return done({ result });
  },
});

/** The operation and what it is about: "executeTool add", "listTools". */
function describe(params: McpParams): string {
  const target = { executeTool: params.toolName, readResource: params.resourceUri, getPrompt: params.promptName }[
    params.operation as string
  ];
  return target === undefined ? params.operation : `${params.operation} ${target}`;
}

async function perform(session: McpSession, params: McpParams): Promise<JsonValue> {
  const list = LISTS[params.operation];
  if (list) {
    const page = await session.list(list, params.cursor === undefined ? { pages: MAX_LIST_PAGES } : { cursor: params.cursor });
    return { [list]: page.items, nextCursor: page.nextCursor };
  }
  switch (params.operation) {
    case "readResource":
      return session.readResource(params.resourceUri!);
    case "getPrompt":
      return session.getPrompt(params.promptName!, params.promptArguments ?? {});
    default: {
      const name = params.toolName!;
      const result = await session.callTool(name, params.toolParameters ?? {});
      if (result.isError) {
        const text = toolResultText(result);
        const excerpt = text.length > MESSAGE_EXCERPT ? `${text.slice(0, MESSAGE_EXCERPT)}…` : text;
        const details = {
          tool: name,
          content: result.content,
          ...(result.structuredContent ? { structuredContent: result.structuredContent } : {}),
        };
        throw new NodeError("mcp_tool_error", `Tool '${name}' failed: ${excerpt}`, details);
      }
      return {
        content: result.content,
        ...(result.structuredContent ? { structuredContent: result.structuredContent } : {}),
        isError: false,
      };
    }
  }
}
