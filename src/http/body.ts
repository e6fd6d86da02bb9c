import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { AppError } from "../errors";
import type { FlowSource } from "../services/flows";
import type { AppEnv } from "./context";
import { validationError } from "./errors";

const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];
const mediaType = (c: Context) => (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
export const isYaml = (c: Context) => YAML_TYPES.includes(mediaType(c));

/**
 * Requests that carry a body must say it is JSON (or YAML where a route
 * accepts flow source); anything else is a 415 before any parsing happens.
 */
export const requireBodyType = createMiddleware<AppEnv>(async (c, next) => {
  if (["POST", "PUT", "PATCH"].includes(c.req.method) && hasBody(c)) {
    const type = mediaType(c);
    const allowsYaml = /^\/api\/v1\/flows(\/validate|\/[^/]+)?$/.test(c.req.path);
    if (type !== "application/json" && !(allowsYaml && YAML_TYPES.includes(type))) {
      throw new AppError(
        415,
        "unsupported_media_type",
        `Content-Type must be application/json${allowsYaml ? " or application/yaml" : ""}`,
        { received: type || null },
      );
    }
  }
  await next();
});

function hasBody(c: Context): boolean {
  const length = c.req.header("Content-Length");
  return length !== undefined ? length !== "0" : c.req.raw.body !== null;
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
