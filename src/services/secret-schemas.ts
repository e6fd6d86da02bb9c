/**
 * What the API answers about secrets, defined once (plain zod, as in execution-schemas.ts): the
 * routes serve this schema, the secret service builds values of its type, and the CLI imports the
 * type with `import type`.
 */
import { z } from "zod";
import { SECRET_TYPES } from "../vault/secret-types";
import { pageOf } from "./page-schema";

/** Everything about a secret except its value, which is write-only. */
export const SecretSchema = z
  .object({
    key: z.string(),
    type: z.string().meta({ description: SECRET_TYPES.join(" | ") }),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    created_at: z.string(),
    updated_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .meta({ id: "Secret", description: "A secret's metadata. Values are write-only and never returned." });

export const SecretPageSchema = pageOf("secrets", SecretSchema);

export type SecretView = z.infer<typeof SecretSchema>;
