import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { notFound } from "../errors";
import { SECRET_TYPES } from "../vault/secret-types";
import { SecretPageSchema, SecretSchema as Secret } from "../services/secret-schemas";
import { bearer, commonErrors, PageQuery } from "./schemas";

const SecretBody = z
  .object({
    type: z.enum(SECRET_TYPES).default("plain"),
    value: z
      .string()
      .max(64 * 1024)
      .optional()
      .openapi({ description: "The value of a plain secret" }),
    data: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "The fields of a structured secret (api_key, oauth, database, aws, jwt, custom)" }),
    description: z.string().max(500).nullable().optional(),
    tags: z.array(z.string().min(1).max(100)).max(50).optional(),
  })
  .strict();

const AccountParam = z.object({
  account: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "account", in: "path" }, description: "Your account id, or `me`", example: "me" }),
});
const KeyParam = AccountParam.extend({
  key: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: "key", in: "path" }, example: "API_KEY" }),
});
const base = "/api/v1/accounts/{account}/secrets";

/** `me` or the caller's own id; any other account's secrets are simply not there. */
function ownAccount(c: Context<AppEnv>, account: string): string {
  const own = c.get("principal").account_id;
  if (account !== "me" && account !== own) throw notFound("Secret");
  return own;
}

export function secretRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("/api/v1/accounts/:account/secrets", requireAuth);
  app.use("/api/v1/accounts/:account/secrets/*", requireAuth);

  app.openapi(
    createRoute({
      method: "put",
      path: `${base}/{key}`,
      operationId: "putSecret",
      tags: ["Secrets"],
      summary: "Create or replace a secret",
      description:
        "The value is encrypted at once; no endpoint ever returns it. Use it in flows as `${secrets.KEY}` (or `${secrets.KEY.field}` for structured types).",
      security: bearer,
      request: { params: KeyParam, body: { required: true, content: { "application/json": { schema: SecretBody } } } },
      responses: {
        201: { description: "Created", content: { "application/json": { schema: Secret } } },
        200: { description: "Replaced", content: { "application/json": { schema: Secret } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { account, key } = c.req.valid("param");
      ownAccount(c, account);
      const { created, secret } = await c.get("services").secrets.put(c.get("principal"), key, c.req.valid("json"));
      return c.json(secret, created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: base,
      operationId: "listSecrets",
      tags: ["Secrets"],
      summary: "List secrets (metadata only), sorted by name",
      security: bearer,
      request: {
        params: AccountParam,
        query: PageQuery.extend({ type: z.enum(SECRET_TYPES).optional(), tag: z.string().max(100).optional() }),
      },
      responses: {
        200: {
          description: "A page of secrets",
          content: { "application/json": { schema: SecretPageSchema } },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const accountId = ownAccount(c, c.req.valid("param").account);
      const { limit, cursor, type, tag } = c.req.valid("query");
      const page = await c.get("services").secrets.list(accountId, { type, tag }, limit, cursor);
      return c.json({ secrets: page.items, next_cursor: page.next_cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{key}`,
      operationId: "getSecret",
      tags: ["Secrets"],
      summary: "A secret's metadata (never its value)",
      security: bearer,
      request: { params: KeyParam },
      responses: { 200: { description: "The secret's metadata", content: { "application/json": { schema: Secret } } }, ...commonErrors },
    }),
    async (c) => {
      const { account, key } = c.req.valid("param");
      return c.json(await c.get("services").secrets.get(ownAccount(c, account), key), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: `${base}/{key}`,
      operationId: "deleteSecret",
      tags: ["Secrets"],
      summary: "Delete a secret",
      security: bearer,
      request: { params: KeyParam },
      responses: { 204: { description: "Deleted" }, ...commonErrors },
    }),
    async (c) => {
      const { account, key } = c.req.valid("param");
      ownAccount(c, account);
      await c.get("services").secrets.delete(c.get("principal"), key);
      return c.body(null, 204);
    },
  );
}
