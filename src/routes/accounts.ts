import type { OpenAPIHono } from "@hono/zod-openapi";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context";
import { clientIp, requireAuth } from "../http/auth";
import { notFound } from "../errors";
import {
  AccountSchema as Account,
  AccountSettingsPatchSchema as AccountSettingsPatch,
  AccountSettingsSchema as AccountSettings,
  LoginResultSchema as LoginResult,
} from "../services/account-schemas";
import { toAccountView } from "../services/accounts";
import { bearer, commonErrors, errorResponse, publicErrors } from "./schemas";

const Credentials = z.object({
  username: z
    .string()
    .trim()
    .min(3)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, "letters, digits and _ . @ - only, starting with a letter or digit")
    .openapi({ example: "alice" }),
  password: z.string().min(8).max(1024).openapi({ example: "correct horse battery staple" }),
});

export function accountRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/accounts",
      operationId: "signUp",
      tags: ["Accounts"],
      summary: "Sign up",
      security: [],
      request: { body: { required: true, content: { "application/json": { schema: Credentials } } } },
      responses: {
        201: { description: "Account created", content: { "application/json": { schema: Account } } },
        ...publicErrors,
        403: errorResponse("Sign-up is disabled"),
        409: errorResponse("Username taken"),
      },
    }),
    async (c) => {
      const { username, password } = c.req.valid("json");
      return c.json(await c.get("services").accounts.signUp(username, password), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/login",
      operationId: "login",
      tags: ["Accounts"],
      summary: "Log in and get a JWT",
      security: [],
      request: {
        body: {
          required: true,
          content: {
            "application/json": { schema: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }) },
          },
        },
      },
      responses: {
        200: { description: "Logged in", content: { "application/json": { schema: LoginResult } } },
        ...publicErrors,
        401: errorResponse("Wrong username or password"),
      },
    }),
    async (c) => {
      const { username, password } = c.req.valid("json");
      return c.json(
        await c.get("services").auth.login(
          username,
          password,
          clientIp((n) => c.req.header(n)),
        ),
        200,
      );
    },
  );

  app.use("/api/v1/accounts/me", requireAuth);
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/accounts/me",
      operationId: "getCurrentAccount",
      tags: ["Accounts"],
      summary: "The calling account",
      security: bearer,
      responses: {
        200: { description: "The account", content: { "application/json": { schema: Account } } },
        401: commonErrors[401],
      },
    }),
    async (c) => {
      const account = await c.get("services").storage.accounts.get(c.get("principal").account_id);
      if (!account) throw notFound("Account");
      return c.json(toAccountView(account), 200);
    },
  );

  app.use("/api/v1/accounts/me/settings", requireAuth);
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/accounts/me/settings",
      operationId: "getAccountSettings",
      tags: ["Accounts"],
      summary: "The calling account's settings (how long its finished runs are kept)",
      security: bearer,
      responses: {
        200: { description: "The settings", content: { "application/json": { schema: AccountSettings } } },
        401: commonErrors[401],
        404: commonErrors[404],
        429: commonErrors[429],
      },
    }),
    async (c) => c.json(await c.get("services").accounts.settings(c.get("principal").account_id), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/accounts/me/settings",
      operationId: "updateAccountSettings",
      tags: ["Accounts"],
      summary: "Change the calling account's settings; a new retention applies to runs that finish from now on",
      security: bearer,
      request: { body: { required: true, content: { "application/json": { schema: AccountSettingsPatch } } } },
      responses: {
        200: { description: "The settings as changed", content: { "application/json": { schema: AccountSettings } } },
        ...commonErrors,
      },
    }),
    async (c) => c.json(await c.get("services").accounts.updateSettings(c.get("principal"), c.req.valid("json")), 200),
  );
}
