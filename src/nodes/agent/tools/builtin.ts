/** The built-in tools: the current time, and the account's key-value store. */
import { NodeError } from "../../../engine/outcome";
import { isRecord, type JsonObject } from "../../../lib/json";
import type { NodeContext } from "../../types";
import type { BUILTIN_TOOLS } from "./declaration";
import { callRequestId, type AgentTool } from "./tool";

export type BuiltinContext = Pick<NodeContext, "kv" | "now" | "idempotencyKey">;

type Builtin = (typeof BUILTIN_TOOLS)[number];

/** A store write carries a request id of its tool call, so a replayed call writes once. */
export function builtinTool(name: Builtin, ctx: BuiltinContext, description?: string): AgentTool {
  switch (name) {
    case "current_time":
      return {
        name,
        description: description ?? "The current date and time (UTC, ISO 8601) and the Unix time in milliseconds",
        parameters: { type: "object", properties: {} },
        call: async () => {
          const now = ctx.now();
          return { iso: new Date(now).toISOString(), unix_ms: now, timezone: "UTC" };
        },
      };
    case "store_get":
      return {
        name,
        description: description ?? "Reads a value from the account's key-value store; found is false when the key is absent",
        parameters: { type: "object", properties: { key: { type: "string", description: "The key" } }, required: ["key"] },
        call: async (args) => {
          const entry = await ctx.kv.getEntry(keyOf(args));
          return entry === undefined ? { found: false, value: null } : { found: true, value: entry.value };
        },
      };
    case "store_set":
      return {
        name,
        description: description ?? "Writes a JSON value to the account's key-value store, optionally with a lifetime in seconds",
        parameters: {
          type: "object",
          properties: {
            key: { type: "string", description: "The key" },
            value: { description: "Any JSON value" },
            ttl_seconds: { type: "number", description: "Lifetime in seconds (optional)" },
          },
          required: ["key", "value"],
        },
        call: async (args, call) => {
          const ttl = args.ttl_seconds;
          if (ttl !== undefined && (typeof ttl !== "number" || !(ttl > 0))) {
            throw new NodeError("tool_invalid_arguments", "ttl_seconds must be a positive number", null, false);
          }
          const key = keyOf(args);
          const { version } = await ctx.kv.set(key, args.value ?? null, {
            requestId: callRequestId(ctx.idempotencyKey, call),
            ...(ttl === undefined ? {} : { ttlMs: ttl * 1000 }),
          });
          return { stored: true, key, version };
        },
      };
  }
}

function keyOf(args: JsonObject): string {
  if (!isRecord(args) || typeof args.key !== "string") throw new NodeError("tool_invalid_arguments", "key must be a string", null, false);
  return args.key;
}
