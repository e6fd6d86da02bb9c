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

/** Longest retention an account may set, in days (about ten years). */
export const MAX_RETENTION_DAYS = 3650;

export const AccountSettingsPatchSchema = z
  .strictObject({
    retention_days: z
      .number()
      .int()
      .min(0)
      .max(MAX_RETENTION_DAYS)
      .nullable()
      .optional()
      .meta({ description: "Days a finished run is kept; 0 keeps runs forever; null follows the server's setting" }),
  })
  .meta({ id: "AccountSettingsPatch" });

export const AccountSettingsSchema = z
  .object({
    retention_days: z.number().int().nullable().meta({ description: "The account's setting; null when it follows the server" }),
    effective_retention_days: z
      .number()
      .int()
      .meta({ description: "What applies to runs of flows that set no retention: the account's setting, else the server's (0: forever)" }),
  })
  .meta({ id: "AccountSettings" });

export type AccountView = z.infer<typeof AccountSchema>;
export type AccountSettingsPatch = z.infer<typeof AccountSettingsPatchSchema>;
export type AccountSettingsView = z.infer<typeof AccountSettingsSchema>;
export type LoginResult = z.infer<typeof LoginResultSchema>;
