import { isRecord, type JsonValue } from "../../lib/json";

type Params = Record<string, JsonValue>;

/**
 * The run's `shared` with this attempt's changes applied, or undefined when it changed nothing. The
 * changes (keys set or removed) go over the run's current value rather than over the copy the scripts
 * saw, so writes that parallel branches made meanwhile to other keys are kept.
 */
export function sharedChanges(before: Params, after: JsonValue, current: Params): JsonValue | undefined {
  if (after === before) return undefined;
  if (!isRecord(after)) return after;
  const merged: Params = { ...current };
  let changed = false;
  for (const [key, value] of Object.entries(after)) {
    if (Object.hasOwn(before, key) && JSON.stringify(before[key]) === JSON.stringify(value)) continue;
    merged[key] = value;
    changed = true;
  }
  for (const key of Object.keys(before)) {
    if (Object.hasOwn(after, key)) continue;
    delete merged[key];
    changed = true;
  }
  return changed ? merged : undefined;
}
