/**
 * FlowRunner as an MCP server (`/api/v1/mcp`): an account's flows that opt in
 * (`metadata.mcp.tool: true`) are its tools, and calling one runs the flow. Stateless Streamable HTTP:
 * each POST gets a fresh SDK server and transport, answers in JSON, and keeps nothing between
 * requests, so any Worker isolate serves any request.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { AppError } from "../errors";
import { flowInputSchema, flowToolDescription, flowToolName, isMcpTool, validateFlowMemo, type FlowMetadata } from "../flow";
import type { JsonObject, JsonValue } from "../lib/json";
import type { FlowRecord, Storage } from "../storage/types";
import type { Principal } from "./auth";
import type { ExecutionView } from "./execution-schemas";
import type { RunService } from "./runs";

/** How long a tool call waits for its run; past it, or when the run waits for an event, the answer is the execution id. */
export const MCP_CALL_WAIT_MS = 25_000;
/** Flows looked at per listing (newest first): pages of 100. */
export const MCP_MAX_SCANNED_FLOWS = 1_000;
const PAGE = 100;

export interface FlowTool {
  name: string;
  flow: FlowRecord;
  metadata: FlowMetadata;
}

const validator = new CfWorkerJsonSchemaValidator();

export class McpService {
  constructor(
    private readonly storage: Storage,
    private readonly runs: RunService,
  ) {}

  /** Answers one MCP request of `principal` (a POST whose JSON body was already read). */
  async handle(principal: Principal, request: Request, body: unknown): Promise<Response> {
    const server = new Server(
      { name: "flowrunner", version: "1.0.0" },
      {
        capabilities: { tools: {} },
        jsonSchemaValidator: validator,
        instructions: "Each tool runs one of the account's flows with the arguments as its input and answers with the run's output.",
      },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: (await this.tools(principal.account_id)).map(describeTool) }));
    server.setRequestHandler(CallToolRequestSchema, (call) => this.call(principal, call.params.name, call.params.arguments ?? {}));
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, { parsedBody: body });
    } finally {
      await server.close();
    }
  }

  /**
   * The account's flows that are tools, named. Two flows with the same tool name: the older one
   * keeps it, the newer one gets the end of its id appended, so a name a client knows stays put.
   */
  async tools(accountId: string): Promise<FlowTool[]> {
    const found: { flow: FlowRecord; metadata: FlowMetadata }[] = [];
    let cursor: string | undefined;
    for (let scanned = 0; scanned < MCP_MAX_SCANNED_FLOWS; scanned += PAGE) {
      const page = await this.storage.flows.list(accountId, {}, { limit: PAGE, cursor });
      for (const flow of page.items) {
        const { flow: definition } = validateFlowMemo(flow.content, { name: flow.name, unknownPluginTypes: "warn" });
        if (definition && isMcpTool(definition.metadata)) found.push({ flow, metadata: definition.metadata });
      }
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    const taken = new Set<string>();
    const named = found.reverse().map(({ flow, metadata }) => {
      let name = flowToolName(metadata);
      if (taken.has(name)) name = `${name.slice(0, 55)}_${flow.id.slice(-8)}`;
      taken.add(name);
      return { name, flow, metadata };
    });
    return named.reverse();
  }

  private async call(principal: Principal, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const tool = (await this.tools(principal.account_id)).find((candidate) => candidate.name === name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const schema = tool.metadata.input_schema;
    if (schema) {
      // The validator annotates the schema it compiles; the parsed flow is frozen and shared.
      const verdict = validator.getValidator(structuredClone(schema) as JsonObject)(args);
      if (!verdict.valid) return failed(`Invalid arguments for ${name}: ${verdict.errorMessage ?? "they do not match the input schema"}`);
    }
    let id: string;
    try {
      const started = await this.runs.run(principal, tool.flow.id, { input: args as JsonValue, waitMs: 0, trigger: "mcp" });
      id = started.execution.id;
    } catch (error) {
      if (error instanceof AppError) return failed(`The run of ${name} could not start: ${error.message}`);
      throw error;
    }
    return answer(await this.runs.awaitPause(principal.account_id, id, MCP_CALL_WAIT_MS));
  }
}

function describeTool({ name, flow, metadata }: FlowTool): Tool {
  return {
    name,
    title: metadata.name,
    description: flowToolDescription(metadata),
    inputSchema: flowInputSchema(metadata) as Tool["inputSchema"],
    _meta: { "flowrunner/flow_id": flow.id },
  };
}

const failed = (text: string): CallToolResult => ({ content: [{ type: "text", text }], isError: true });

/** The run as a tool result: its output when it completed, else where it stands and how to follow it. */
function answer(execution: ExecutionView): CallToolResult {
  const { id, status } = execution;
  switch (status) {
    case "completed": {
      const output = execution.output;
      const text = typeof output === "string" ? output : JSON.stringify(output);
      return { content: [{ type: "text", text }], structuredContent: { execution_id: id, status, output } };
    }
    case "failed":
    case "cancelled": {
      const error = execution.error;
      const why = error ? `${error.code} at ${error.node_id}: ${error.message}` : status;
      return {
        content: [{ type: "text", text: `Run ${id} ${status}: ${why}` }],
        structuredContent: { execution_id: id, status, error },
        isError: true,
      };
    }
    case "waiting": {
      const events = execution.waiting_for.flatMap((wait) => (wait.event ? [wait.event] : []));
      const text =
        events.length > 0
          ? `Run ${id} is waiting for the event ${events.join(", ")}: POST /api/v1/executions/${id}/events/${events[0]} resumes it.`
          : `Run ${id} is waiting; GET /api/v1/executions/${id} shows it.`;
      return { content: [{ type: "text", text }], structuredContent: { execution_id: id, status, waiting_for: execution.waiting_for } };
    }
    default:
      return {
        content: [
          {
            type: "text",
            text: `Run ${id} is still running after ${MCP_CALL_WAIT_MS / 1000} s; GET /api/v1/executions/${id} gives its result.`,
          },
        ],
        structuredContent: { execution_id: id, status },
      };
  }
}
