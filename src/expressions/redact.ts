import type { JsonValue } from "../lib/json";
import type { LogLine, SandboxError, SandboxResult } from "../sandbox/types";

export const REDACTED = "[REDACTED]";

/** Values shorter than this are not redacted: replacing every "1" or "yes" would shred the output. */
export const MIN_SECRET_LENGTH = 4;

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The forms a secret commonly takes on its way into output. */
function variants(secret: string): string[] {
  const b64 = base64(secret);
  const unpadded = b64.replace(/=+$/, "");
  return [
    secret,
    b64,
    unpadded,
    unpadded.replaceAll("+", "-").replaceAll("/", "_"), // base64url
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1), // inside a JSON string: quotes and backslashes escaped
  ];
}

function collect(value: JsonValue | undefined, into: Set<string>): void {
  if (typeof value === "string" || typeof value === "number") {
    const text = String(value);
    if (text.length >= MIN_SECRET_LENGTH) for (const form of variants(text)) into.add(form);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, into);
  } else if (value !== null && typeof value === "object") {
    // Structured secrets: only the leaves are secret; field names ("password") are not.
    for (const item of Object.values(value)) collect(item, into);
  }
}

/**
 * Replaces secret values with `[REDACTED]`. Built from the secrets resolved for a step, it is applied
 * by the caller to everything that leaves the step for storage or display: sandbox results, `shared`,
 * logs, error messages, evaluated params. It cannot recognise a secret that was transformed in other
 * ways (split, reversed, hashed, or encoded together with other text, as in HTTP Basic credentials).
 */
export class Redactor {
  private readonly pattern: RegExp | undefined;

  constructor(needles: Iterable<string>) {
    // Longest first, so a secret that contains another is replaced whole.
    const sorted = [...new Set(needles)].filter((n) => n.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
    this.pattern = sorted.length ? new RegExp(sorted.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g") : undefined;
  }

  /** From resolved secrets: strings, numbers, and the leaves of structured secrets. */
  static fromSecrets(secrets: Record<string, JsonValue> | JsonValue[]): Redactor {
    const needles = new Set<string>();
    collect(secrets as JsonValue, needles);
    return new Redactor(needles);
  }

  /** Whether there is anything to redact at all. */
  get active(): boolean {
    return this.pattern !== undefined;
  }

  string(text: string): string {
    if (!this.pattern) return text;
    this.pattern.lastIndex = 0;
    return text.replace(this.pattern, REDACTED);
  }

  /** Deep copy with secrets replaced in strings and object keys; a number that shows a secret becomes the marker. */
  value<T extends JsonValue | undefined>(value: T): T {
    if (!this.pattern) return value;
    return this.walk(value) as T;
  }

  logs(lines: LogLine[]): LogLine[] {
    if (!this.pattern) return lines;
    return lines.map((line) => ({ level: line.level, message: this.string(line.message) }));
  }

  error<E extends Pick<SandboxError, "message" | "stack">>(error: E): E {
    if (!this.pattern) return error;
    const copy = { ...error, message: this.string(error.message) };
    if (error.stack !== undefined) copy.stack = this.string(error.stack);
    return copy;
  }

  /** A sandbox result with value, shared, logs and error all redacted. */
  result(result: SandboxResult): SandboxResult {
    if (!this.pattern) return result;
    if (!result.ok) return { ok: false, error: this.error(result.error), logs: this.logs(result.logs) };
    const out: SandboxResult = { ok: true, value: this.value(result.value), logs: this.logs(result.logs) };
    if ("shared" in result) out.shared = this.value(result.shared);
    return out;
  }

  private walk(value: JsonValue | undefined): JsonValue | undefined {
    if (typeof value === "string") return this.string(value);
    if (typeof value === "number") return this.string(String(value)) === String(value) ? value : REDACTED;
    if (Array.isArray(value)) return value.map((item) => this.walk(item) ?? null);
    if (value === null || typeof value !== "object") return value;
    const out: Record<string, JsonValue> = {};
    for (const [key, child] of Object.entries(value)) out[this.string(key)] = this.walk(child) ?? null;
    return out;
  }
}
