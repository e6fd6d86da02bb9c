/** Pages of query_items and scan: DynamoDB's LastEvaluatedKey, handed out as opaque base64url text. */
import { NodeError } from "../../engine/outcome";
import type { Item } from "../../lib/dynamodb/client";
import { base64UrlDecode, base64UrlEncode, utf8 } from "../../lib/encoding";
import { isRecord } from "../../lib/json";

export function encodeCursor(key: Item | undefined): string | null {
  return key === undefined || Object.keys(key).length === 0 ? null : base64UrlEncode(utf8(JSON.stringify(key)));
}

export function decodeCursor(cursor: string): Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(base64UrlDecode(cursor)));
  } catch {
    parsed = null;
  }
  if (!isRecord(parsed) || Object.keys(parsed).length === 0 || !Object.values(parsed).every((value) => isRecord(value))) {
    throw new NodeError("invalid_cursor", "The cursor is not a next_cursor of this node", { param: "cursor" }, false);
  }
  return parsed as Item;
}
