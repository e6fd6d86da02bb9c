import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { AppError, overBudget } from "../errors";
import { checkValue, INPUT_BUDGET, jsonTooDeepAt } from "../input-budget";
import { isJsonType, parseMediaType } from "../lib/media-type";
import type { FlowSource } from "../services/flows";
import type { AppEnv } from "./context";
import { validationError } from "./errors";

/** Every YAML media type a flow route accepts (docs/api.md); the routes declare them for the OpenAPI document. */
export const FLOW_SOURCE_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];
const UTF8_CHARSETS = ["utf-8", "utf8", "us-ascii"];

/** The body's kind, from the request's Content-Type (already normalised by requireBodyType). */
export const isYaml = (c: Context) => FLOW_SOURCE_TYPES.includes(parseMediaType(c.req.header("Content-Type"))?.essence ?? "");

const FLOW_SOURCE_PATH = /^\/api\/v1\/flows(\/validate|\/[^/]+)?$/;

/**
 * Requests that carry a body must say it is JSON (or YAML where a route
 * accepts flow source) in UTF-8; anything else is a 415 before any parsing
 * happens. The header is then rewritten to its plain form, so the route
 * validators, which match media types strictly, see what was accepted here.
 */
export const requireBodyType = createMiddleware<AppEnv>(async (c, next) => {
  if (["POST", "PUT", "PATCH"].includes(c.req.method) && hasBody(c)) {
    const header = c.req.header("Content-Type");
    const media = parseMediaType(header);
    const allowsYaml = FLOW_SOURCE_PATH.test(c.req.path);
    const kind =
      media && isJsonType(media.essence) ? "json" : media && allowsYaml && FLOW_SOURCE_TYPES.includes(media.essence) ? "yaml" : undefined;
    if (!kind) {
      throw new AppError(
        415,
        "unsupported_media_type",
        `Content-Type must be application/json${allowsYaml ? " or application/yaml" : ""}`,
        {
          received: header ?? null,
        },
      );
    }
    if (media!.charset !== undefined && !UTF8_CHARSETS.includes(media!.charset)) {
      throw new AppError(415, "unsupported_media_type", `Bodies must be UTF-8, not ${media!.charset}`, { received: header ?? null });
    }
    const canonical = kind === "json" ? "application/json" : "application/yaml";
    if (header !== canonical) {
      const headers = new Headers(c.req.raw.headers);
      headers.set("Content-Type", canonical);
      c.req.raw = new Request(c.req.raw, { headers });
    }
    if (kind === "json") await readJsonWithinBudget(c);
  }
  await next();
});

function hasBody(c: Context): boolean {
  const length = c.req.header("Content-Length");
  return length !== undefined ? length !== "0" : c.req.raw.body !== null;
}

/**
 * Holds a JSON body to the budget before any route sees it: nesting is
 * checked on the text before JSON.parse, then keys and text on the value.
 * Hono keeps the text, so routes read the same body again. An empty body is
 * left to the route (some take an optional body).
 */
async function readJsonWithinBudget(c: Context): Promise<void> {
  const text = await c.req.text();
  if (text.trim() === "") return;
  const deepAt = jsonTooDeepAt(text);
  if (deepAt !== undefined) {
    const message = `nested more than ${INPUT_BUDGET.jsonDepth} levels deep (at character ${deepAt + 1})`;
    throw overBudget({ limit: "jsonDepth", max: INPUT_BUDGET.jsonDepth, path: [], message });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError(400, "invalid_json", "The request body is not valid JSON");
  }
  const violation = checkValue(value);
  if (violation) throw overBudget(violation);
}

/** An optional JSON body: `fallback` when there is none. */
export async function readOptionalJson(c: Context, fallback: unknown = {}): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return fallback;
  return (await c.req.json()) as unknown;
}

const FlowSourceBody = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  content: z.string().min(1, "content is required"),
});

/** Flow source arrives as `{name?, content}` JSON or as a raw YAML body. */
export async function readFlowSource(c: Context): Promise<FlowSource> {
  // Decoded by hand: workerd warns when .text() reads a body whose type it does not consider text.
  if (isYaml(c)) return { content: new TextDecoder().decode(await c.req.arrayBuffer()) };
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new AppError(400, "invalid_json", "The request body is not valid JSON");
  }
  const parsed = FlowSourceBody.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
