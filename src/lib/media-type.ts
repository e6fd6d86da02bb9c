export interface MediaType {
  /** `type/subtype`, lower-case. */
  essence: string;
  charset: string | undefined;
}

/**
 * RFC 9110 media type, read leniently: case-insensitive, spaces allowed
 * around `;` and `=`, quoted parameter values. Only `charset` matters here.
 */
export function parseMediaType(header: string | null | undefined): MediaType | undefined {
  if (!header) return undefined;
  const [essence, ...params] = header.split(";");
  const type = essence!.trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return undefined;
  let charset: string | undefined;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    charset = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
  }
  return { essence: type, charset };
}

/** `application/json` or any `application/*+json`. */
export const isJsonType = (essence: string) => essence === "application/json" || /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(essence);
