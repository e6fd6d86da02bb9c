import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { BudgetViolation } from "./input-budget";

/** Machine-readable error codes; clients match on these, never on messages. */
export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "invalid_json"
  | "invalid_yaml"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "precondition_failed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "signup_disabled"
  | "trigger_inactive"
  | "flow_failed"
  | "insecure_configuration"
  | "internal";

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/**
 * The one error type of the service. Anything that should reach a client as a
 * 4xx is thrown as an AppError; everything else is a 500 with no details.
 * It carries plain data (status, code) so it survives crossing a Durable
 * Object boundary as JSON.
 */
export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toJSON(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError(400, "bad_request", message, details);
export const notFound = (what: string) => new AppError(404, "not_found", `${what} not found`);
export const unauthorized = (message = "Authentication required") =>
  new AppError(401, "unauthorized", message, undefined, { "WWW-Authenticate": 'Bearer realm="flowrunner"' });
export const conflict = (message: string, details?: unknown) => new AppError(409, "conflict", message, details);
export const tooManyRequests = (retryAfterSeconds: number, message = "Too many requests") =>
  new AppError(
    429,
    "rate_limited",
    message,
    { retry_after: retryAfterSeconds },
    {
      "Retry-After": String(retryAfterSeconds),
    },
  );

/** 400 naming the input budget entry a request broke, with where (docs/api.md, "Input limits"). */
export function overBudget(violation: BudgetViolation, what = "The request body"): AppError {
  const path = violation.path.length > 0 ? violation.path.map(String).join(".") : "(root)";
  return new AppError(400, "validation_failed", `${what} is over the input budget at ${path}: ${violation.message}`, {
    in: "body",
    limit: violation.limit,
    max: violation.max,
    fields: [{ path, message: violation.message }],
  });
}
