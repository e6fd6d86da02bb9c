import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { Context } from "hono";
import { levelFromEnv, log } from "../lib/log";
import type { AppEnv } from "./context";

export const REQUEST_ID_HEADER = "X-Request-Id";

// Ids a proxy or client may hand in: short, and nothing that could break a log line or a header.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@=+-]{1,128}$/;

/** The request's id: a sane incoming `X-Request-Id`, else Cloudflare's `cf-ray`, else a new one. */
export function requestIdOf(incoming: string | undefined, cfRay: string | undefined): string {
  for (const candidate of [incoming?.trim(), cfRay?.trim()]) if (candidate && SANE_REQUEST_ID.test(candidate)) return candidate;
  return crypto.randomUUID();
}

/**
 * One log line per request (request id, route pattern, method, status, duration, the account when
 * authenticated) and the id echoed as `X-Request-Id`. The route is Hono's pattern
 * (`/api/v1/flows/:id`), never the path or query, which may carry ids or tokens.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  levelFromEnv(c.env.LOG_LEVEL);
  const started = Date.now();
  const requestId = requestIdOf(c.req.header(REQUEST_ID_HEADER), c.req.header("cf-ray"));
  c.set("requestId", requestId);
  await next();
  const status = c.res.status;
  // A 101 (WebSocket) answer or an object's response may have immutable headers; the line is still written.
  if (status !== 101) {
    try {
      c.header(REQUEST_ID_HEADER, requestId);
    } catch {
      // Immutable headers: the id is in the log line only.
    }
  }
  // 503 is a deliberate answer (not ready, refused configuration), not a failure of the code.
  log.write(status === 503 ? "warn" : status >= 500 ? "error" : "info", "request", {
    request_id: requestId,
    method: c.req.method,
    route: routePattern(c),
    status,
    duration_ms: Date.now() - started,
    account_id: c.get("principal")?.account_id,
  });
});

/** The pattern of the route that answered; middleware patterns (`*`) do not count. */
function routePattern(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c).filter((route) => route.method !== "ALL" || !route.path.endsWith("*"));
  return routes.at(-1)?.path ?? "(none)";
}
