/**
 * A webhook call's body: read as bytes under a byte cap (counted as it streams, whatever
 * Content-Length claims), then given to the flow by its content type.
 */
import { checkValue, INPUT_BUDGET, jsonTooDeepAt, type BudgetViolation } from "../input-budget";
import { base64Encode, concatBytes } from "../lib/encoding";
import type { JsonValue } from "../lib/json";
import { isJsonType, parseMediaType } from "../lib/media-type";

/** The body's bytes, or null once more than `limit` bytes arrived (or were announced). */
export async function readBodyWithin(request: Request, limit: number): Promise<Uint8Array | null> {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && Number(declared) > limit) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

export type BodyEncoding = "none" | "json" | "form" | "text" | "base64";

export type ParsedBody =
  | { ok: true; body: JsonValue; encoding: BodyEncoding; contentType: string | null }
  | { ok: false; problem: "invalid_json" }
  | { ok: false; problem: "over_budget"; violation: BudgetViolation };

/** Form fields and query parameters: a name given once is a string, given more often a list. */
export function paramsObject(params: URLSearchParams, skip: ReadonlySet<string> = new Set()): Record<string, JsonValue> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    if (skip.has(name)) continue;
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    // An unknown charset label: UTF-8 is the web's default.
    return new TextDecoder().decode(bytes);
  }
}

/** JSON parsed (and held to the input budget), forms as objects, text as a string, anything else as base64. */
export function parseBody(bytes: Uint8Array, contentTypeHeader: string | null): ParsedBody {
  const media = parseMediaType(contentTypeHeader);
  const contentType = media?.essence ?? null;
  if (bytes.byteLength === 0) return { ok: true, body: null, encoding: "none", contentType };
  if (media && isJsonType(media.essence)) {
    const text = decodeText(bytes, media.charset);
    const deepAt = jsonTooDeepAt(text);
    if (deepAt !== undefined) return { ok: false, problem: "over_budget", violation: tooDeep(deepAt) };
    let value: JsonValue;
    try {
      value = JSON.parse(text) as JsonValue;
    } catch {
      return { ok: false, problem: "invalid_json" };
    }
    const violation = checkValue(value);
    return violation ? { ok: false, problem: "over_budget", violation } : { ok: true, body: value, encoding: "json", contentType };
  }
  if (media?.essence === "application/x-www-form-urlencoded") {
    return { ok: true, body: paramsObject(new URLSearchParams(decodeText(bytes, media.charset))), encoding: "form", contentType };
  }
  if (media?.essence.startsWith("text/")) return { ok: true, body: decodeText(bytes, media.charset), encoding: "text", contentType };
  return { ok: true, body: base64Encode(bytes), encoding: "base64", contentType };
}

function tooDeep(at: number): BudgetViolation {
  const max = INPUT_BUDGET.jsonDepth;
  return { limit: "jsonDepth", max, path: [], message: `nested more than ${max} levels deep (at character ${at + 1})` };
}
