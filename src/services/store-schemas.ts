/**
 * What the store API (/api/v1/store) takes and answers, defined once: the routes serve these schemas,
 * the store service builds values of their types, and the CLI imports the types. Plain zod, as in
 * execution-schemas.ts.
 */
import { z } from "zod";
import { MAX_LIST_LIMIT } from "../nodes/capabilities/kv";
import { Json } from "./execution-schemas";

export const StoreEntrySchema = z
  .object({
    key: z.string(),
    namespace: z.string(),
    value: Json,
    version: z.number().int().meta({ description: "1 when the key was created, plus one per write since" }),
    expires_at: z.string().nullable().meta({ description: "When the key expires (RFC 3339), or null" }),
  })
  .meta({ id: "StoreEntry", description: "A key of the account's store with its value" });

export const StoreWriteSchema = z
  .object({ key: z.string(), namespace: z.string(), version: z.number().int() })
  .meta({ id: "StoreWrite", description: "The key's version after the write" });

export const StoreDeleteSchema = z
  .object({ key: z.string(), namespace: z.string(), deleted: z.boolean().meta({ description: "Whether the key was there" }) })
  .meta({ id: "StoreDelete" });

export const StoreKeyPageSchema = z
  .object({ keys: z.array(z.string()), next_cursor: z.string().nullable() })
  .meta({ id: "StoreKeyPage", description: "Keys in ascending order of their UTF-8 bytes; next_cursor is null on the last page" });

export const StorePutBodySchema = z
  .object({
    value: Json,
    ttl: z
      .union([z.number().positive(), z.string().min(1)])
      .optional()
      .meta({ description: 'Expire after this long: seconds, or a duration such as "90s", "1h"' }),
    if_version: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: "Write only if the key is at this version (0: only if absent); otherwise 412" }),
  })
  .strict()
  .meta({ id: "StorePut" });

export const StoreListQuerySchema = z.object({
  prefix: z.string().max(512).optional(),
  cursor: z.string().max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(100),
  namespace: z.string().max(64).optional(),
});

export type StoreEntryView = z.infer<typeof StoreEntrySchema>;
export type StoreWriteView = z.infer<typeof StoreWriteSchema>;
export type StoreDeleteView = z.infer<typeof StoreDeleteSchema>;
export type StoreKeyPageView = z.infer<typeof StoreKeyPageSchema>;
export type StorePutBody = z.infer<typeof StorePutBodySchema>;
