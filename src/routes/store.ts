import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import {
  StoreDeleteSchema,
  StoreEntrySchema,
  StoreKeyPageSchema,
  StoreListQuerySchema,
  StorePutBodySchema,
  StoreWriteSchema,
} from "../services/store-schemas";
import { bearer, commonErrors, errorResponse } from "./schemas";

const KeyParam = z.object({
  key: z
    .string()
    .min(1)
    .max(2048)
    .openapi({ param: { name: "key", in: "path" }, description: "The key, URL-encoded", example: "counter:visits" }),
});
const NamespaceQuery = z.object({
  namespace: z.string().max(64).optional().openapi({ description: "A separate store of the account (default `default`)" }),
});
const base = "/api/v1/store";
const tags = ["Store"];

/** The caller's own key-value store: the one the `store` node of the account's flows reads and writes. */
export function storeRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use(base, requireAuth);
  app.use(`${base}/*`, requireAuth);

  app.openapi(
    createRoute({
      method: "get",
      path: base,
      operationId: "listStoreKeys",
      tags,
      summary: "List keys of the account's store, in key order",
      security: bearer,
      request: { query: StoreListQuerySchema },
      responses: {
        200: { description: "A page of keys", content: { "application/json": { schema: StoreKeyPageSchema } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { prefix, cursor, limit, namespace } = c.req.valid("query");
      const page = await c.get("services").store.list(c.get("principal").account_id, { prefix, cursor, limit, namespace });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{key}`,
      operationId: "getStoreValue",
      tags,
      summary: "A key's value and version",
      security: bearer,
      request: { params: KeyParam, query: NamespaceQuery },
      responses: { 200: { description: "The entry", content: { "application/json": { schema: StoreEntrySchema } } }, ...commonErrors },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const entry = await c.get("services").store.get(c.get("principal").account_id, key, c.req.valid("query").namespace);
      return c.json(entry, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: `${base}/{key}`,
      operationId: "putStoreValue",
      tags,
      summary: "Set a key (optionally with a TTL, or only at an expected version)",
      security: bearer,
      request: {
        params: KeyParam,
        query: NamespaceQuery,
        body: { required: true, content: { "application/json": { schema: StorePutBodySchema } } },
      },
      responses: {
        200: { description: "Written", content: { "application/json": { schema: StoreWriteSchema } } },
        ...commonErrors,
        409: errorResponse("The store is full (store_full)"),
        412: errorResponse("if_version does not match the key's version; details.current_version has it"),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const { namespace } = c.req.valid("query");
      const written = await c.get("services").store.put(c.get("principal").account_id, key, c.req.valid("json"), namespace);
      return c.json(written, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: `${base}/{key}`,
      operationId: "deleteStoreValue",
      tags,
      summary: "Delete a key",
      security: bearer,
      request: { params: KeyParam, query: NamespaceQuery },
      responses: {
        200: { description: "Deleted, or was not there", content: { "application/json": { schema: StoreDeleteSchema } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const result = await c.get("services").store.delete(c.get("principal").account_id, key, c.req.valid("query").namespace);
      return c.json(result, 200);
    },
  );
}
