/**
 * What the API answers about API tokens, defined once (plain zod, as in execution-schemas.ts): the
 * routes serve these schemas, the token service builds values of their types, and the CLI imports
 * the types with `import type`.
 */
import { z } from "zod";
import { pageOf } from "./page-schema";

export const ApiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: "First characters of the token, to tell tokens apart" }),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: "ApiToken" });

// An intersection rather than `.extend`: the document shows the ApiToken component plus the token (allOf).
export const CreatedApiTokenSchema = z
  .intersection(
    ApiTokenSchema,
    // Shown once, at creation; only its hash is stored.
    z.object({ token: z.string().meta({ description: "The token itself. Shown only in this response." }) }),
  )
  .meta({ id: "CreatedApiToken" });

export const ApiTokenPageSchema = pageOf("tokens", ApiTokenSchema);

export type TokenView = z.infer<typeof ApiTokenSchema>;
export type CreatedToken = z.infer<typeof CreatedApiTokenSchema>;
