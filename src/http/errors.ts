import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import { AppError, type ErrorCode } from "../errors";
import { StorageError } from "../storage/types";
import { asError, log } from "../lib/log";

/** The one place an error becomes a response: every non-2xx body is the JSON envelope. */
export function errorResponse(error: unknown, c: Context): Response {
  const appError = toAppError(error);
  // Deliberate 5xx answers (an AppError) are not failures of the code; anything else that became a 500 is.
  if (appError.status >= 500 && !(error instanceof AppError)) {
    log.error("unhandled error", { request_id: c.get("requestId") as string | undefined, method: c.req.method, error: asError(error) });
  }
  return c.json(appError.toJSON(), appError.status, appError.headers);
}

/** The documented code for each client-error status a Hono exception may carry (docs/api.md). */
const HTTP_EXCEPTION_CODES: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  415: "unsupported_media_type",
};

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof StorageError) {
    if (error.kind === "invalid_cursor") return new AppError(400, "bad_request", error.message, { field: "cursor" });
    if (error.kind === "precondition") return new AppError(412, "precondition_failed", error.message);
    return new AppError(409, "conflict", error.message);
  }
  if (error instanceof HTTPException) {
    // Hono's own validators and body parsing raise these for malformed requests.
    if (/malformed json/i.test(error.message)) return new AppError(400, "invalid_json", "The request body is not valid JSON");
    if (error.status === 413) return payloadTooLarge();
    const code = HTTP_EXCEPTION_CODES[error.status];
    if (code) return new AppError(error.status as 400, code, error.message || "Bad request");
    // Any other client error is answered as the plain 400 the docs list.
    if (error.status >= 400 && error.status < 500) return new AppError(400, "bad_request", error.message || "Bad request");
  }
  return new AppError(500, "internal", "Internal server error");
}

export const payloadTooLarge = () => new AppError(413, "payload_too_large", "The request body is too large");

/** Turns zod issues into `{path, message}` pairs with dotted field paths. */
export function validationError(error: z.ZodError, where: "body" | "query" | "path" | "header" = "body"): AppError {
  const fields = error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)",
    message: issue.message,
  }));
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join("; ");
  return new AppError(400, "validation_failed", `Invalid request ${where}: ${summary}`, { in: where, fields });
}
