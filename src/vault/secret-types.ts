import { z } from "zod";

/**
 * Structured secret types and the fields each requires. A plain secret is a
 * string; the others are objects that flows read field by field, e.g.
 * `${secrets.DB.password}`.
 */
const str = z.string().min(1);
const opt = z.string().optional();

export const SECRET_SCHEMAS = {
  api_key: z
    .object({
      key: str,
      header_name: opt,
      prefix: opt,
      headers: z.record(z.string(), z.string()).optional(),
      query_param: opt,
      base_url: opt,
    })
    .strict(),
  oauth: z
    .object({
      client_id: str,
      client_secret: str,
      token_url: opt,
      auth_url: opt,
      redirect_url: opt,
      scopes: z.array(z.string()).optional(),
      access_token: opt,
      refresh_token: opt,
      token_expires_at: opt,
      extra: z.record(z.string(), z.string()).optional(),
    })
    .strict(),
  database: z
    .object({
      type: str,
      host: str,
      username: str,
      password: str,
      port: z.number().int().min(1).max(65535).optional(),
      database: opt,
      ssl_mode: opt,
      options: z.record(z.string(), z.string()).optional(),
    })
    .strict(),
  aws: z.object({ access_key_id: str, secret_access_key: str, session_token: opt, region: opt }).strict(),
  jwt: z
    .object({ token: str, algorithm: opt, audience: opt, issuer: opt, subject: opt, claims: z.record(z.string(), z.unknown()).optional() })
    .strict(),
  custom: z.record(z.string(), z.unknown()).refine((v) => Object.keys(v).length > 0, "custom secrets need at least one field"),
} as const;

export const SECRET_TYPES = ["plain", ...Object.keys(SECRET_SCHEMAS)] as [string, ...string[]];
export type StructuredType = keyof typeof SECRET_SCHEMAS;
export const isStructured = (type: string): type is StructuredType => type in SECRET_SCHEMAS;

/** Secret names are usable as `secrets.NAME` in expressions. */
export const SECRET_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
