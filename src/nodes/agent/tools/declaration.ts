/**
 * How an `agent` declares its tools in YAML. Each tool says how it runs, by exactly one key:
 *   - `flow: <id or name>`: another flow of the account, run as a child execution;
 *   - `http: {method, url, headers}`: a request whose URL `{placeholders}` and body come from the arguments;
 *   - `mcp: {url, transport, headers}`: every tool of an MCP server (or those in `include`);
 *   - `builtin: current_time | store_get | store_set`.
 * One declaration drives validation and the JSON Schema (src/flow/node-types/spec.ts).
 */
import { z } from "zod";
import { durationParam, freeMap, scalarMap } from "../../../flow/primitives";
import type { ParamProblem } from "../../../flow/node-types/spec";

/** OpenAI's rule for a function name; a tool that breaks it is refused by the provider. */
export const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const BUILTIN_TOOLS = ["current_time", "store_get", "store_set"] as const;
const KINDS = ["flow", "http", "mcp", "builtin"] as const;
/** Tools one agent may offer the model, after an MCP server's are listed. */
export const MAX_TOOLS = 64;

const toolName = z.string().regex(TOOL_NAME, { error: "must be 1 to 64 letters, digits, '_' or '-'" });

export const toolDeclaration = z
  .strictObject({
    name: toolName.optional().describe("The name the model calls it by (default: the flow's name, the builtin's name)"),
    description: z.string().optional().describe("What the tool does, for the model"),
    parameters: freeMap.optional().describe("JSON Schema of the arguments (a flow tool's default: the flow's input schema)"),
    flow: z.string().min(1).optional().describe("Run this flow of the account (id or name) with the arguments as its input"),
    version: z.number().int().min(1).optional().describe("flow: the flow version to run (default: the current one)"),
    http: z
      .strictObject({
        method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET").describe("Default GET"),
        url: z.string().min(1).describe("URL; {name} is replaced by that argument, URL-encoded"),
        headers: scalarMap.optional().describe('Headers, e.g. {Authorization: "Bearer ${secrets.API_TOKEN}"}'),
        timeout: durationParam({ positive: true }).optional().describe("Deadline of the call (default 30s)"),
      })
      .optional()
      .describe("Call an HTTP API: arguments not used in the URL go in the query (GET, DELETE) or the JSON body"),
    mcp: z
      .strictObject({
        url: z.string().min(1).describe("The server's URL"),
        transport: z.enum(["http", "sse"]).default("http").describe("http (Streamable HTTP, default) or sse (legacy)"),
        headers: scalarMap.optional().describe("Headers, e.g. Authorization from a secret"),
        timeout: durationParam({ positive: true }).optional().describe("Deadline of each MCP call (default 30s)"),
      })
      .optional()
      .describe("Offer every tool of an MCP server"),
    include: z.array(z.string().min(1)).optional().describe("mcp: only these of the server's tools"),
    builtin: z.enum(BUILTIN_TOOLS).optional().describe("current_time, store_get or store_set (the account's key-value store)"),
  })
  .describe("A tool: exactly one of flow, http, mcp or builtin says how it runs");

export type ToolDeclaration = z.output<typeof toolDeclaration>;

/** Rules a single tool's schema cannot state: one kind each, names where they are needed and unique. */
export function toolProblems(tools: unknown): ParamProblem[] {
  if (!Array.isArray(tools)) return [];
  const problems: ParamProblem[] = [];
  const names = new Map<string, number>();
  tools.forEach((tool: unknown, i) => {
    if (typeof tool !== "object" || tool === null) return;
    const record = tool as Record<string, unknown>;
    const kinds = KINDS.filter((kind) => record[kind] !== undefined);
    if (kinds.length !== 1) {
      const message =
        kinds.length === 0
          ? `tools[${i}] says neither flow, http, mcp nor builtin: a tool needs one of them to run`
          : `tools[${i}] has ${kinds.join(" and ")}: a tool runs in exactly one way`;
      problems.push({ path: ["tools", i], message });
      return;
    }
    const kind = kinds[0]!;
    if (kind === "http" && record.name === undefined)
      problems.push({ path: ["tools", i, "name"], message: `tools[${i}] is an http tool and needs a name`, missing: true });
    if (kind !== "mcp" && record.include !== undefined)
      problems.push({ path: ["tools", i, "include"], message: `tools[${i}]: include is for mcp tools` });
    if (kind !== "flow" && record.version !== undefined)
      problems.push({ path: ["tools", i, "version"], message: `tools[${i}]: version is for flow tools` });
    if (kind === "mcp" && (record.name !== undefined || record.parameters !== undefined)) {
      problems.push({ path: ["tools", i], message: `tools[${i}]: an mcp tool takes its tools' names and parameters from the server` });
    }
    const name =
      typeof record.name === "string" ? record.name : kind === "builtin" && typeof record.builtin === "string" ? record.builtin : undefined;
    if (name === undefined) return;
    const first = names.get(name);
    if (first !== undefined)
      problems.push({ path: ["tools", i, "name"], message: `tools[${i}]: the name '${name}' is also tools[${first}]'s` });
    else names.set(name, i);
  });
  return problems;
}
