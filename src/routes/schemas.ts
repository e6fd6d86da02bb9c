import { z } from "@hono/zod-openapi";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/** The error responses most routes share, for the OpenAPI document. */
export const commonErrors = {
  400: errorResponse("Invalid request"),
  401: errorResponse("Missing or invalid credentials"),
  404: errorResponse("Not found, or owned by another account"),
  415: errorResponse("Unsupported Content-Type"),
  429: errorResponse("Rate limited; see Retry-After"),
} as const;
export const publicErrors = { 400: commonErrors[400], 415: commonErrors[415], 429: commonErrors[429] } as const;
export { errorResponse };

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "Items per page (1-100)" }),
  cursor: z.string().max(512).optional().openapi({ description: "next_cursor of the previous page" }),
});

/** An optional instant in a query string: ISO 8601 with a zone, normalised to UTC by `isoTime`. */
export const TimeQuery = (description: string) =>
  z.iso.datetime({ offset: true }).optional().openapi({ description, example: "2026-01-31T12:00:00Z" });

/** A TimeQuery value as stored times are written (UTC, milliseconds), so they compare as strings. */
export const isoTime = (value: string | undefined): string | undefined => value && new Date(value).toISOString();

export const IdParam = (name: string, example: string) =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name: "id", in: "path" }, example, description: name }),
  });

export const bearer: Record<string, string[]>[] = [{ bearerAuth: [] }, { basicAuth: [] }];
