import { StorageError, type StorageErrorKind } from "../types";
import { sqlState, UNIQUE_VIOLATION } from "./connection";

/** Turns a unique violation (SQLSTATE 23505) into the shared vocabulary. */
export async function mapUniqueViolation<T>(work: Promise<T>, message: string, kind: StorageErrorKind = "conflict"): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (sqlState(error) === UNIQUE_VIOLATION) throw new StorageError(kind, message);
    throw error;
  }
}
