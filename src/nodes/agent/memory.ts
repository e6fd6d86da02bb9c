/**
 * An agent's `memory`: the conversation kept across runs under a key of the account's store. What is
 * kept are the messages after the system prompt, trimmed to the last `max_messages` at a user
 * message, so a tool call is never kept without the question that led to it, nor a tool result
 * without its call.
 */
import { isRecord, type JsonObject, type JsonValue } from "../../lib/json";
import type { KeyValueStore } from "../capabilities/kv";

export interface MemoryParams {
  key: string;
  max_messages: number;
  namespace?: string | undefined;
}

export function memoryStore(kv: KeyValueStore, memory: MemoryParams): KeyValueStore {
  return memory.namespace === undefined ? kv : kv.namespace(memory.namespace);
}

/** The kept conversation, or none when the key is absent or holds something else. */
export function recalled(value: JsonValue | undefined): JsonObject[] {
  if (!isRecord(value) || !Array.isArray(value.messages)) return [];
  return value.messages.filter(
    (message): message is JsonObject => isRecord(message) && typeof message.role === "string" && message.role !== "system",
  );
}

/** The last messages to keep: at most `max`, starting at a user message (none when no user message fits). */
export function trimmed(messages: readonly JsonObject[], max: number): JsonObject[] {
  const kept = messages.filter((message) => message.role !== "system");
  let start = Math.max(0, kept.length - max);
  while (start < kept.length && kept[start]!.role !== "user") start++;
  return kept.slice(start);
}
