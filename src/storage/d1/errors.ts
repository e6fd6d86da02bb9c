import { StorageError } from "../types";

/** Turns SQLite's unique-constraint failure into the shared vocabulary. */
export async function mapUniqueViolation<T>(work: Promise<T>, message: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (failedConstraint(error)?.startsWith("UNIQUE")) throw new StorageError("conflict", message);
    throw error;
  }
}

/**
 * The constraint SQLite reports as failed, as `<KIND> <table>.<column>[, ...]`
 * (e.g. `NOT NULL triggers.flow_id`); undefined for any other error.
 */
export function failedConstraint(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const match = /(UNIQUE|NOT NULL|FOREIGN KEY|CHECK) constraint failed(?:: ([\w., ]+))?/.exec(e.message);
    if (match) return `${match[1]} ${match[2] ?? ""}`.trim();
  }
  return undefined;
}
