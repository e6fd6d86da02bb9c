import { z } from "zod";

/**
 * A page of a list as the API answers it: the items under the list's own name (`flows`,
 * `tokens`, ...) and the cursor of the next page, null on the last one.
 */
export function pageOf<K extends string, T extends z.ZodType>(key: K, item: T) {
  const shape = { [key]: z.array(item), next_cursor: z.string().nullable() };
  return z.object(shape as Record<K, z.ZodArray<T>> & { next_cursor: z.ZodNullable<z.ZodString> });
}
