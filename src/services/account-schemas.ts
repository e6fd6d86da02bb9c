/**
 * What the API answers about accounts and logins, defined once (plain zod, as in
 * execution-schemas.ts): the routes serve these schemas, the services build values of their types,
 * and the CLI imports the types with `import type`.
 */
import { z } from "zod";

export const AccountSchema = z
  .object({ id: z.string(), username: z.string(), created_at: z.string(), updated_at: z.string() })
  .meta({ id: "Account" });

export const LoginResultSchema = z
  .object({ token: z.string(), account_id: z.string(), username: z.string(), expires_at: z.string() })
  .meta({ id: "LoginResult" });

export type AccountView = z.infer<typeof AccountSchema>;
export type LoginResult = z.infer<typeof LoginResultSchema>;
