/**
 * Browser access to a webhook URL, per trigger: none unless the trigger lists origins. Calls carry
 * no cookies or credentials of the service, so `*` is allowed here (unlike the API's CORS_ORIGINS).
 */
import type { WebhookTrigger } from "../flow/triggers";

type Cors = WebhookTrigger["cors"];

const MAX_AGE_SECONDS = "600";

function allowedOrigin(cors: Cors, origin: string | null): string | null {
  if (!cors || !origin) return null;
  if (cors.origins.includes("*")) return "*";
  return cors.origins.includes(origin) ? origin : null;
}

/** Headers every answer to `origin` carries (none when the trigger has no `cors` or the origin is not listed). */
export function corsHeaders(cors: Cors, origin: string | null): Record<string, string> {
  const allowed = allowedOrigin(cors, origin);
  if (allowed === null) return {};
  return {
    "Access-Control-Allow-Origin": allowed,
    "Access-Control-Expose-Headers": "*",
    ...(allowed === "*" ? {} : { Vary: "Origin" }),
  };
}

/** The answer to a preflight (`OPTIONS`) of a trigger with `cors`. */
export function preflight(cors: NonNullable<Cors>, methods: readonly string[], origin: string | null): Response {
  const headers: Record<string, string> = { Allow: [...methods, "OPTIONS"].join(", ") };
  const allowed = allowedOrigin(cors, origin);
  if (allowed !== null) {
    Object.assign(headers, {
      "Access-Control-Allow-Origin": allowed,
      "Access-Control-Allow-Methods": methods.join(", "),
      // Content-Type is listed so a browser may send JSON; the rest are the trigger's own.
      "Access-Control-Allow-Headers": ["Content-Type", ...cors.headers].join(", "),
      "Access-Control-Max-Age": MAX_AGE_SECONDS,
      ...(allowed === "*" ? {} : { Vary: "Origin" }),
    });
  }
  return new Response(null, { status: 204, headers });
}
