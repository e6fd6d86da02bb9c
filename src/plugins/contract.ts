/**
 * The plugin contract shared by the three kinds of plugin (JavaScript stored per account, an
 * operator's Worker behind a service binding, a remote HTTP endpoint): the manifest that declares a
 * plugin's node types, the call a node of a plugin type makes, and the outcome it gets back. Every
 * runtime speaks this and nothing else, so a plugin node gets the lifecycle of a built-in (templates,
 * hooks, retries, batch, redaction) from the one adapter that runs it. Reference: docs/plugins.md.
 */
import { z } from "zod";
import type { JsonValue } from "../lib/json";

/** A plugin's name is the prefix of its node types (`acme` in `acme.create_ticket`). */
export const PLUGIN_NAME = /^[a-z][a-z0-9_]{0,39}$/;
/** A node type's name inside its plugin. */
export const PLUGIN_NODE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

const jsonSchemaObject = z.record(z.string(), z.unknown());

export const pluginNodeManifestSchema = z.strictObject({
  description: z.string().max(2_000).default(""),
  /** JSON Schema (draft 2020-12) of the node's params as written in a flow; an object schema. */
  params: jsonSchemaObject.default({ type: "object" }),
  /** Actions the node can finish with besides `default` and `error`. */
  actions: z
    .array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/))
    .max(32)
    .default([]),
  /** Whether a call is seen outside the run (an HTTP call to a third party): the engine checkpoints before it. */
  side_effects: z.boolean().default(true),
});

export const pluginManifestSchema = z.strictObject({
  name: z.string().regex(PLUGIN_NAME, "a plugin name is lower case letters, digits and _, starting with a letter (at most 40)"),
  /** The author's version label; the server numbers stored versions itself. */
  version: z.string().min(1).max(64),
  description: z.string().max(2_000).default(""),
  nodes: z
    .record(
      z.string().regex(PLUGIN_NODE_NAME, "a node name is lower case letters, digits and _, starting with a letter"),
      pluginNodeManifestSchema,
    )
    .refine((nodes) => Object.keys(nodes).length > 0, "a plugin declares at least one node type")
    .refine((nodes) => Object.keys(nodes).length <= 64, "a plugin declares at most 64 node types"),
});

export type PluginManifest = z.output<typeof pluginManifestSchema>;
export type PluginNodeManifest = z.output<typeof pluginNodeManifestSchema>;

export type PluginKind = "js" | "service" | "http";

/** Where the call comes from, as the plugin sees it (no secrets, no account data beyond ids). */
export interface PluginExecution {
  id: string;
  flow_id: string;
  node_id: string;
  attempt: number;
  /** `execution.id:node:visit:attempt`: pass it to APIs that deduplicate. */
  idempotency_key: string;
}

/** One call of a plugin node: what every runtime receives. */
export interface PluginCall {
  /** The node's name inside the plugin (`create_ticket`). */
  node: string;
  /** Params with templates evaluated (secrets the flow passes included, redacted by the lifecycle wherever they would appear). */
  params: Record<string, JsonValue>;
  input: JsonValue;
  execution: PluginExecution;
}

export type PluginLogLevel = "debug" | "info" | "warn" | "error";

export interface PluginLog {
  level: PluginLogLevel;
  message: string;
}

/** A plugin's failure. `retryable` lets the node's retry policy try again (a 429 or 5xx upstream). */
export interface PluginFailure {
  code: string;
  message: string;
  retryable: boolean;
}

/** What a plugin call gives back. Never thrown: every runtime turns its faults into `{ok: false}`. */
export type PluginOutcome =
  { ok: true; output: JsonValue; action: string; logs: PluginLog[] } | { ok: false; error: PluginFailure; logs: PluginLog[] };
