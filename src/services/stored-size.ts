import { overBudget } from "../errors";
import { INPUT_BUDGET, jsonBytes } from "../input-budget";

/**
 * Refuses a value whose JSON is larger than the budget entry allows, before
 * it is written anywhere. The body limit does not bound what is stored: it
 * can be configured higher (MAX_BODY_BYTES), and merges accumulate. The row
 * or object that stores the value has a limit of its own, past which the
 * write would fail after the request was accepted.
 */
export function requireStoredSize(value: unknown, limit: "storedValueBytes" | "customMetadataBytes", what: string): void {
  const max = INPUT_BUDGET[limit];
  const bytes = jsonBytes(value) ?? 0;
  if (bytes > max)
    throw overBudget({ limit, max, path: [], message: `${what} is ${bytes} bytes as JSON; the limit is ${max}` }, "The request");
}
