import type { OpenAPIHono } from "@hono/zod-openapi";
import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { jsonValue } from "../lib/json-schema";
import { PLUGIN_NODE_NAME, pluginManifestSchema } from "../plugins/contract";
import {
  PluginDetailSchema,
  PluginListSchema,
  PluginTestResultSchema,
  PluginVersionPageSchema,
  PluginWithSecretSchema,
} from "../services/plugin-schemas";
import { MAX_PLUGINS, MAX_SOURCE_BYTES } from "../services/plugins";
import { bearer, commonErrors, errorResponse, PageQuery } from "./schemas";

const manifest = pluginManifestSchema.openapi({
  description: "The plugin's manifest: its name (the prefix of its node types), version label and node types",
});
const source = z.string().max(MAX_SOURCE_BYTES).openapi({ description: "js: an ES module exporting one async function per node type" });
const url = z
  .string()
  .min(1)
  .max(2048)
  .openapi({ description: "http: the endpoint node calls are POSTed to (https; http to loopback in local development)" });

const CreateBody = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("js"), manifest, source }).strict(),
    z
      .object({
        kind: z.literal("http"),
        url,
        manifest: manifest.optional().openapi({ description: "Omitted: fetched with GET from the endpoint" }),
      })
      .strict(),
  ])
  .openapi("PluginCreate");

const UpdateBody = z
  .object({
    manifest: manifest.optional(),
    source: source.optional(),
    url: url.optional(),
    rotate_secret: z.boolean().optional().openapi({ description: "http: make a new signing secret (shown in the answer)" }),
  })
  .strict()
  .openapi("PluginUpdate");

const TestBody = z
  .object({
    node: z.string().regex(PLUGIN_NODE_NAME).openapi({ example: "create_ticket", description: "The node type's name inside the plugin" }),
    params: z.record(z.string(), jsonValue).default({}).openapi({ description: "Params as the node would run with them (no templates)" }),
    input: jsonValue.default(null).openapi({ description: "The node's input" }),
  })
  .strict();

const NameParam = z.object({
  name: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: "name", in: "path" }, example: "acme", description: "A plugin's name, or a built-in node type" }),
});
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const base = "/api/v1/plugins";
const tags = ["Plugins"];

export function pluginRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use(base, requireAuth);
  app.use(`${base}/*`, requireAuth);

  app.openapi(
    createRoute({
      method: "get",
      path: base,
      operationId: "listPlugins",
      tags,
      summary: "Built-in node types and the plugins the account can use",
      security: bearer,
      responses: { 200: json(PluginListSchema, "Built-in node types first, then plugins by name"), ...commonErrors },
    }),
    async (c) => c.json({ plugins: await c.get("services").plugins.list(c.get("principal").account_id) }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: base,
      operationId: "createPlugin",
      tags,
      summary: "Add a plugin (version 1)",
      description: `A js plugin stores its source; an http plugin gets a signing secret, shown in this answer only. At most ${MAX_PLUGINS} plugins per account.`,
      security: bearer,
      request: { body: { required: true, content: { "application/json": { schema: CreateBody } } } },
      responses: {
        201: json(z.union([PluginWithSecretSchema, PluginDetailSchema]), "Created"),
        ...commonErrors,
        409: errorResponse("A plugin of that name exists, or the account has reached its limit"),
      },
    }),
    async (c) => c.json(await c.get("services").plugins.create(c.get("principal"), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{name}`,
      operationId: "getPlugin",
      tags,
      summary: "A plugin (its newest version) or a built-in node type; never a signing secret",
      security: bearer,
      request: { params: NameParam },
      responses: { 200: json(PluginDetailSchema, "The plugin"), ...commonErrors },
    }),
    async (c) => c.json(await c.get("services").plugins.get(c.get("principal").account_id, c.req.valid("param").name), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: `${base}/{name}`,
      operationId: "updatePlugin",
      tags,
      summary: "Save a new version of a plugin",
      description: "Runs already started keep the version they started with; new runs and saves use this one.",
      security: bearer,
      request: { params: NameParam, body: { required: true, content: { "application/json": { schema: UpdateBody } } } },
      responses: {
        200: json(z.union([PluginWithSecretSchema, PluginDetailSchema]), "The new version"),
        ...commonErrors,
        412: errorResponse("Another update saved a version first"),
      },
    }),
    async (c) => c.json(await c.get("services").plugins.update(c.get("principal"), c.req.valid("param").name, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: `${base}/{name}`,
      operationId: "deletePlugin",
      tags,
      summary: "Delete a plugin with every version",
      security: bearer,
      request: { params: NameParam },
      responses: { 204: { description: "Deleted" }, ...commonErrors, 409: errorResponse("Flows use the plugin (listed in details.flows)") },
    }),
    async (c) => {
      await c.get("services").plugins.delete(c.get("principal"), c.req.valid("param").name);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{name}/versions`,
      operationId: "listPluginVersions",
      tags,
      summary: "A plugin's versions, newest first",
      security: bearer,
      request: { params: NameParam, query: PageQuery },
      responses: { 200: json(PluginVersionPageSchema, "A page of versions"), ...commonErrors },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await c.get("services").plugins.versions(c.get("principal").account_id, c.req.valid("param").name, limit, cursor);
      return c.json({ versions: page.items, next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/{name}/test`,
      operationId: "testPlugin",
      tags,
      summary: "Call one node type of a plugin with sample params and input",
      description: "Outside any flow: no templates, hooks or retries. The answer says what the plugin returned, or its error.",
      security: bearer,
      request: { params: NameParam, body: { required: true, content: { "application/json": { schema: TestBody } } } },
      responses: { 200: json(PluginTestResultSchema, "What the call answered"), ...commonErrors },
    }),
    async (c) => c.json(await c.get("services").plugins.test(c.get("principal"), c.req.valid("param").name, c.req.valid("json")), 200),
  );
}
