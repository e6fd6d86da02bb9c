/** An `http` tool: the model's arguments fill the URL's `{placeholders}`; the rest go in the query or a JSON body. */
import { NodeError } from "../../../engine/outcome";
import type { JsonObject, JsonValue } from "../../../lib/json";
import { parseBody } from "../../http-request/run";
import type { NodeContext } from "../../types";
import type { ToolDeclaration } from "./declaration";
import { ANY_OBJECT, type AgentTool } from "./tool";

const DEFAULT_TIMEOUT_MS = 30_000;
/** Characters of an error response's body the model sees: enough to understand it, not a flood. */
const MAX_ERROR_BODY = 2000;
const PLACEHOLDER = /\{([A-Za-z0-9_.-]+)\}/g;

export type HttpToolContext = Pick<NodeContext, "http" | "signal">;

export function httpTool(declaration: ToolDeclaration & { http: NonNullable<ToolDeclaration["http"]> }, ctx: HttpToolContext): AgentTool {
  const { http } = declaration;
  return {
    name: declaration.name!,
    description: declaration.description ?? `${http.method} ${new URL(http.url.replace(PLACEHOLDER, "x")).origin}`,
    parameters: (declaration.parameters as JsonObject | undefined) ?? ANY_OBJECT,
    async call(args) {
      const { url, rest } = fillUrl(http.url, args);
      const inQuery = http.method === "GET" || http.method === "DELETE";
      if (inQuery)
        for (const [key, value] of Object.entries(rest))
          url.searchParams.append(key, typeof value === "string" ? value : JSON.stringify(value));
      const headers = new Headers(Object.entries(http.headers ?? {}).map(([key, value]) => [key, String(value)]));
      if (!inQuery && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
      const response = await ctx.http.request(url, {
        method: http.method,
        headers,
        ...(inQuery ? {} : { body: JSON.stringify(rest) }),
        timeoutMs: http.timeout ?? DEFAULT_TIMEOUT_MS,
        signal: ctx.signal,
      });
      const body = parseBody(response.text(), response.headers.get("Content-Type") ?? "");
      if (response.status >= 400) {
        const text = typeof body === "string" ? body : JSON.stringify(body);
        throw new NodeError(
          "tool_http_error",
          `HTTP ${response.status}: ${text.slice(0, MAX_ERROR_BODY)}`,
          { status: response.status },
          false,
        );
      }
      return body;
    },
  };
}

/** The URL with `{name}` replaced by that argument (URL-encoded), and the arguments it did not use. */
export function fillUrl(template: string, args: JsonObject): { url: URL; rest: JsonObject } {
  const rest: JsonObject = { ...args };
  const filled = template.replace(PLACEHOLDER, (_, name: string) => {
    const value: JsonValue | undefined = args[name];
    if (value === undefined || value === null)
      throw new NodeError("tool_invalid_arguments", `The argument '${name}' is required`, null, false);
    delete rest[name];
    return encodeURIComponent(typeof value === "string" ? value : JSON.stringify(value));
  });
  try {
    const url = new URL(filled);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http");
    return { url, rest };
  } catch {
    throw new NodeError("invalid_url", "The tool's URL is not an absolute http(s) URL", null, false);
  }
}
