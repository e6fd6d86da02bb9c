import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import { constantTimeEqual } from "../lib/crypto";
import type { AppEnv } from "./context";

/**
 * Operator endpoints (`GET /metrics`): hidden (404) while OPERATOR_TOKEN is unset, 401 without
 * `Authorization: Bearer <OPERATOR_TOKEN>`. Account credentials never open them.
 */
export const requireOperator = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.OPERATOR_TOKEN?.trim();
  if (!expected) throw new AppError(404, "not_found", `No route for ${c.req.method} ${c.req.path}`);
  const header = c.req.header("Authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match || !(await constantTimeEqual(match[1]!, expected))) {
    throw new AppError(401, "unauthorized", "The operator token is missing or wrong", undefined, {
      "WWW-Authenticate": 'Bearer realm="operator"',
    });
  }
  await next();
});
