/**
 * `triggers:` — how a flow starts on its own: on a schedule (`cron`), when a public URL is called
 * (`webhook`), when another flow of the account ends (`flow`), or when mail arrives (`email`). One zod declaration per kind
 * drives validation (with line and column), the normalised `TriggerDefinition` the services read
 * (defaults filled in, so no consumer re-decides them) and the JSON Schema.
 */
import { z } from "zod";
import { parseDuration } from "../lib/duration";
import { SECRET_KEY } from "../vault/secret-types";
import { cronSchema, durationSchema, jsonValue } from "./primitives";

export const TRIGGER_TYPES = ["cron", "webhook", "flow", "email"] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** Triggers per flow; each one is a row, and a cron one an object with an alarm. */
export const MAX_TRIGGERS = 20;

/** Longest a `last_node` webhook caller is kept waiting for the run's output (as `?wait=` on the API). */
export const MAX_RESPONSE_WAIT_MS = 60_000;
/** Largest webhook body a trigger may accept; the service's request limit may be lower. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
/** `catchup: all` starts at most this many missed ticks, the newest ones. */
export const MAX_CATCHUP_TICKS = 100;

const TRIGGER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const triggerId = z
  .string()
  .regex(TRIGGER_ID, { error: "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit" })
  .describe("Stable id of the trigger within the flow (default: its type). A webhook's URL and a schedule's history follow it");

const secretName = z
  .string()
  .regex(SECRET_KEY, { error: "must name a secret of the account's vault (letters, digits and '_')" })
  .describe("Name of a secret in the account's vault");

/** A duration, normalised to milliseconds, within [min, max]. */
function boundedDuration(minMs: number, maxMs: number): z.ZodType<number> {
  return durationSchema({ positive: true })
    .transform((value) => parseDuration(value)!)
    .refine((ms) => ms >= minMs && ms <= maxMs, { error: `must be between ${minMs / 1000}s and ${maxMs / 1000}s` });
}

const common = {
  id: triggerId.optional(),
  description: z.string().max(500).optional().describe("What the trigger is for"),
  enabled: z.boolean().default(true).describe("false keeps the trigger declared but inactive"),
};

export const timezoneSchema = z
  .string()
  .refine(isTimeZone, { error: 'must be an IANA time zone such as "UTC" or "Europe/Paris"' })
  .describe("IANA time zone the cron expression is read in (default UTC); daylight-saving changes are followed");

export const cronTriggerSchema = z
  .strictObject({
    type: z.literal("cron"),
    ...common,
    cron: cronSchema,
    timezone: timezoneSchema.default("UTC"),
    input: jsonValue.default({}).describe("Input of each run"),
    overlap: z
      .enum(["allow", "skip", "cancel_previous"])
      .default("allow")
      .describe("When the previous run is still going at a tick: allow (start another), skip (start none), cancel_previous"),
    catchup: z
      .enum(["none", "latest", "all"])
      .default("none")
      .describe(`Ticks missed while the schedule could not fire: none, latest (one run), all (up to ${MAX_CATCHUP_TICKS}, oldest first)`),
  })
  .describe("Start the flow on a schedule");

const tolerance = boundedDuration(1_000, 24 * 3600_000).describe(
  "How old a signed timestamp may be (default 5m); older deliveries are refused",
);

const verifySchema = z
  .discriminatedUnion("scheme", [
    z.strictObject({ scheme: z.literal("none") }).describe("Anyone with the URL may call it"),
    z
      .strictObject({
        scheme: z.literal("token"),
        secret: secretName,
        header: z.string().min(1).optional().describe("Header carrying the token (default X-Webhook-Token)"),
        query: z.string().min(1).optional().describe("Query parameter carrying the token, instead of a header"),
      })
      .describe("A shared token in a header or the query string"),
    z
      .strictObject({
        scheme: z.literal("basic"),
        username: z.string().min(1),
        secret: secretName.describe("Vault secret holding the password"),
      })
      .describe("HTTP Basic authentication"),
    z.strictObject({ scheme: z.literal("github"), secret: secretName }).describe("GitHub: X-Hub-Signature-256 (HMAC-SHA256 of the body)"),
    z
      .strictObject({ scheme: z.literal("stripe"), secret: secretName, tolerance: tolerance.default(300_000) })
      .describe("Stripe: Stripe-Signature with its timestamp"),
    z
      .strictObject({ scheme: z.literal("standard"), secret: secretName, tolerance: tolerance.default(300_000) })
      .describe("Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature"),
    z
      .strictObject({
        scheme: z.literal("hmac"),
        secret: secretName,
        header: z.string().min(1).describe("Header carrying the signature"),
        algorithm: z.enum(["sha1", "sha256", "sha512"]).default("sha256"),
        encoding: z.enum(["hex", "base64"]).default("hex"),
        prefix: z.string().default("").describe('Text before the signature in the header, e.g. "sha256="'),
      })
      .describe("Any HMAC of the raw body in a header"),
  ])
  .describe("How a call proves it comes from the sender");

export const VERIFY_SCHEMES: readonly string[] = verifySchema.options.map((option) => option.shape.scheme.value);

export const webhookTriggerSchema = z
  .strictObject({
    type: z.literal("webhook"),
    ...common,
    methods: z
      .array(z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]))
      .min(1)
      .default(["POST"])
      .describe("HTTP methods the URL accepts (default POST)"),
    verify: verifySchema.default({ scheme: "none" }),
    dedup_header: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Header holding a delivery id; a repeated id starts nothing and gets the first answer (GitHub and Standard Webhooks are recognised without it)",
      ),
    response: z
      .enum(["immediate", "last_node", "respond_node"])
      .default("immediate")
      .describe("immediate: 202 with the execution id; last_node: the run's output once it ends; respond_node: what a `respond` node says"),
    response_timeout: boundedDuration(1, MAX_RESPONSE_WAIT_MS)
      .default(30_000)
      .describe("last_node, respond_node: how long the caller waits before getting a 202 instead"),
    max_body: z
      .number()
      .int()
      .min(1)
      .max(MAX_WEBHOOK_BODY_BYTES)
      .default(MAX_WEBHOOK_BODY_BYTES)
      .describe("Largest body accepted, in bytes"),
    rate_limit: z
      .strictObject({ requests: z.number().int().min(1), window: boundedDuration(1_000, 24 * 3600_000).default(60_000) })
      .optional()
      .describe("Calls accepted per window; more get 429 with Retry-After"),
    cors: z
      .strictObject({
        origins: z.array(z.string().min(1)).min(1).describe('Origins allowed to call from a browser, or ["*"]'),
        headers: z.array(z.string().min(1)).default([]).describe("Request headers allowed besides the simple ones"),
      })
      .optional(),
    raw_body: z.boolean().default(false).describe("Also pass the body as text in input.raw_body"),
  })
  .describe("Start the flow when its public URL is called");

export const FLOW_TRIGGER_EVENTS = ["completed", "failed", "waiting", "cancelled"] as const;

export const flowTriggerSchema = z
  .strictObject({
    type: z.literal("flow"),
    ...common,
    flow_id: z.string().min(1).describe("The flow of this account whose runs are watched"),
    on: z.array(z.enum(FLOW_TRIGGER_EVENTS)).min(1).default(["completed"]).describe("Which ends start this flow (default completed)"),
  })
  .describe("Start the flow when a run of another flow completes, fails, waits or is cancelled");

/**
 * Cloudflare Email Routing hands the Worker messages of up to 25 MiB; a run's input is far smaller
 * (INPUT_BUDGET), so attachments beyond `attachment_bytes` keep their metadata only.
 */
export const MAX_EMAIL_BYTES = 25 * 1024 * 1024;
export const DEFAULT_EMAIL_BYTES = 5 * 1024 * 1024;
export const MAX_EMAIL_ATTACHMENT_BYTES = 512 * 1024;

/**
 * An address or a pattern of addresses: `*` stands for any run of characters (`orders+*@acme.example`,
 * `*@support.acme.example`). Matched without regard to case.
 */
const ADDRESS_PATTERN = /^[^\s@<>",;]+@[^\s@<>",;]+$/;
const addressPattern = z
  .string()
  .max(254)
  .regex(ADDRESS_PATTERN, { error: 'must be an address such as "orders@acme.example", or a pattern with * such as "*@acme.example"' });

export const emailTriggerSchema = z
  .strictObject({
    type: z.literal("email"),
    ...common,
    address: addressPattern
      .optional()
      .describe("Address (or pattern with *) the flow receives mail at, besides its own <trigger id>@<your domain>"),
    senders: z
      .array(addressPattern)
      .min(1)
      .max(100)
      .optional()
      .describe("Only mail from these addresses or patterns starts a run; others are rejected"),
    max_size: z
      .number()
      .int()
      .min(1)
      .max(MAX_EMAIL_BYTES)
      .default(DEFAULT_EMAIL_BYTES)
      .describe("Largest message accepted, in bytes; larger ones are rejected"),
    attachment_bytes: z
      .number()
      .int()
      .min(0)
      .max(MAX_EMAIL_ATTACHMENT_BYTES)
      .default(256 * 1024)
      .describe("Attachment content kept in the run's input, in bytes across the message; past it only metadata"),
  })
  .describe("Start the flow when mail arrives at its address (Cloudflare Email Routing)");

export const triggerSchema = z.discriminatedUnion("type", [cronTriggerSchema, webhookTriggerSchema, flowTriggerSchema, emailTriggerSchema]);

export const triggersSchema = z.array(triggerSchema).max(MAX_TRIGGERS).describe("How the flow starts on its own");

export type CronTrigger = z.output<typeof cronTriggerSchema> & { id: string };
export type WebhookTrigger = z.output<typeof webhookTriggerSchema> & { id: string };
export type FlowTrigger = z.output<typeof flowTriggerSchema> & { id: string };
export type EmailTrigger = z.output<typeof emailTriggerSchema> & { id: string };
export type WebhookVerification = WebhookTrigger["verify"];
/** A trigger as the services read it: every default filled in, `id` always set. */
export type TriggerDefinition = CronTrigger | WebhookTrigger | FlowTrigger | EmailTrigger;

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
