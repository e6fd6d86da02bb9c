import { StorageError } from "../types";

/** Turns SQLite's unique-constraint failure into the shared vocabulary. */
export async function mapUniqueViolation<T>(work: Promise<T>, message: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isUniqueViolation(error)) throw new StorageError("conflict", message);
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed|SQLITE_CONSTRAINT/.test(e.message)) return true;
  }
  return false;
}
