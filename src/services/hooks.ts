/**
 * Calls to a webhook trigger's public URL (`/hooks/{trigger id}`): no account credential, only the
 * trigger's own check. In order: the trigger (404), a CORS preflight, the method (405), the
 * trigger's rate limit (429), the body size (413), the verification (401), the body (400), then the
 * run (409 when the trigger or its flow is switched off) and the answer its `response` mode asks for.
 */
import type { PluginDirectory } from "../plugins/directory";
import type { AppConfig } from "../env";
import { AppError, notFound, tooManyRequests } from "../errors";
import type { WebhookTrigger } from "../flow/triggers";
import { checkValue, INPUT_BUDGET, jsonBytes } from "../input-budget";
import { derivedId, newId, randomToken } from "../lib/ids";
import type { JsonValue } from "../lib/json";
import type { Storage, TriggerRecord } from "../storage/types";
import { accepted, replyFor, type RunSoFar } from "../triggers/webhook-reply";
import { parseBody, readBodyWithin } from "../triggers/webhook-body";
import { corsHeaders, preflight } from "../triggers/webhook-cors";
import { webhookInput } from "../triggers/webhook-input";
import { verifyWebhook, type SignedRequest, type VerifyResult } from "../triggers/verify";
import { headerValue } from "../triggers/verify/types";
import type { Vault } from "../vault";
import type { AuditService } from "./audit";
import type { ExecutionRpc } from "./execution-rpc";
import type { WindowLimiter } from "./rate-limit";
import { startTriggeredRun, type TriggeredRunResult } from "./trigger-runs";
import { asError, log } from "../lib/log";

export interface HookDeps {
  config: AppConfig;
  storage: Storage;
  vault: Vault;
  execution: (id: string) => ExecutionRpc;
  limiter: WindowLimiter;
  audit: AuditService;
  defer: (work: Promise<unknown>) => void;
  /** Where the plugins a flow uses are found, to check and pin them. */
  plugins?: PluginDirectory;
}

const TRIGGER_ID = /^trg_[0-9a-z]{25}$/;

export class HookService {
  constructor(private readonly deps: HookDeps) {}

  /** Answers a call to the trigger's URL; refusals are thrown as AppError carrying the trigger's CORS headers. */
  async handle(triggerId: string, request: Request, ip: string): Promise<Response> {
    const record = TRIGGER_ID.test(triggerId) ? await this.deps.storage.triggers.get(triggerId) : null;
    if (!record || record.kind !== "webhook") throw notFound("Webhook");
    // Written by the flow service from the parsed declaration, with every default filled in.
    const trigger = record.config as unknown as WebhookTrigger;
    const cors = corsHeaders(trigger.cors, request.headers.get("Origin"));
    try {
      const response = await this.answer(record, trigger, request, ip);
      for (const [name, value] of Object.entries(cors)) response.headers.set(name, value);
      return response;
    } catch (error) {
      if (error instanceof AppError) throw withHeaders(error, cors);
      throw error;
    }
  }

  private async answer(record: TriggerRecord, trigger: WebhookTrigger, request: Request, ip: string): Promise<Response> {
    const startedAt = Date.now();
    const method = request.method.toUpperCase();
    if (method === "OPTIONS" && trigger.cors) return preflight(trigger.cors, trigger.methods, request.headers.get("Origin"));
    if (!(trigger.methods as readonly string[]).includes(method)) {
      const allow = [...trigger.methods, ...(trigger.cors ? ["OPTIONS"] : [])];
      throw new AppError(
        405,
        "method_not_allowed",
        `${method} is not allowed here; use ${allow.join(", ")}`,
        { allow },
        { Allow: allow.join(", ") },
      );
    }
    if (trigger.rate_limit) {
      const { requests, window } = trigger.rate_limit;
      const taken = await this.deps.limiter.take(record.id, requests, Math.ceil(window / 1000));
      if (!taken.allowed) throw tooManyRequests(taken.retry_after, "Too many calls to this webhook; retry after the window ends");
    }
    const bytes = await readBodyWithin(request, Math.min(trigger.max_body, this.deps.config.maxBodyBytes));
    if (bytes === null) throw new AppError(413, "payload_too_large", "The request body is too large for this webhook");
    const url = new URL(request.url);
    const signed: SignedRequest = { headers: request.headers, query: url.searchParams, body: bytes };
    const verified = await this.verify(record, trigger, signed);
    if (!verified.ok) {
      const challenge: Record<string, string> = trigger.verify.scheme === "basic" ? { "WWW-Authenticate": 'Basic realm="webhook"' } : {};
      throw new AppError(401, "unauthorized", verified.message, { reason: verified.reason }, challenge);
    }
    const deliveryId = trigger.dedup_header ? headerValue(request.headers, trigger.dedup_header) : verified.deliveryId;
    const input = runInput(trigger, request, url, bytes, deliveryId, new Date(startedAt).toISOString());
    // A redelivery (same delivery id) derives the same execution id, so it finds the first run.
    const executionId = deliveryId ? await derivedId("exe", this.deps.config.jwtSecret, `hook:${record.id}:${deliveryId}`) : newId("exe");
    const started = await startTriggeredRun(this.deps, { trigger: record, input, executionId, waitMs: 0, ip });
    if (!started.ok) throw inactive(started);
    if (trigger.response === "immediate") return accepted(started.execution);
    const waitMs = trigger.response_timeout - (Date.now() - startedAt);
    return replyFor(
      trigger.response,
      await this.awaitRun(record, executionId, waitMs, trigger.response === "respond_node", started.execution),
    );
  }

  /**
   * The verification, with the secret read from the owner's vault. A secret that is missing or
   * unusable is the owner's problem: it is reported to them, and the caller gets the answer a wrong
   * signature would get (checked against a random secret), so nobody learns whether it exists.
   */
  private async verify(record: TriggerRecord, trigger: WebhookTrigger, signed: SignedRequest): Promise<VerifyResult> {
    const now = Date.now();
    if (trigger.verify.scheme === "none") return verifyWebhook(trigger.verify, null, signed, now);
    const name = trigger.verify.secret;
    const { secret, problem } = await this.readSecret(record.account_id, name);
    const result = await verifyWebhook(trigger.verify, secret, signed, now);
    if (result.ok) {
      // Only a verified call marks the secret used: refused calls write nothing.
      const touched = this.deps.storage.secrets.touch(record.account_id, [name], new Date(now).toISOString());
      this.deps.defer(
        touched.catch((error: unknown) =>
          log.error("webhook trigger: recording the secret's use failed", { trigger_id: record.id, error: asError(error) }),
        ),
      );
      return result;
    }
    if (result.reason !== "unusable_secret") return result;
    this.reportSecretProblem(record, name, secret === null ? problem : "not usable as a key by this scheme");
    return verifyWebhook(trigger.verify, randomToken(32), signed, now);
  }

  /** A plain secret's value from the account's vault, or why there is none. */
  private async readSecret(accountId: string, name: string): Promise<{ secret: string | null; problem: string }> {
    try {
      const stored = await this.deps.storage.secrets.get(accountId, name);
      if (!stored) return { secret: null, problem: "missing" };
      const value = JSON.parse(await this.deps.vault.open(stored)) as unknown;
      return typeof value === "string" ? { secret: value, problem: "" } : { secret: null, problem: "not a plain secret" };
    } catch {
      return { secret: null, problem: "unreadable" };
    }
  }

  private reportSecretProblem(record: TriggerRecord, secretName: string, problem: string): void {
    log.error("webhook trigger refused a call: its secret is unusable", {
      trigger_id: record.id,
      account_id: record.account_id,
      secret_name: secretName,
      problem,
    });
    this.deps.audit.record({
      account_id: record.account_id,
      actor: null,
      action: "webhook.refused",
      target_type: "trigger",
      target_id: record.id,
      details: { flow_id: record.flow_id, trigger_key: record.key, secret_name: secretName, reason: `secret ${problem}` },
    });
  }

  /** The run once it answered, paused or ended, or as it is when the wait is over (also when the object cannot be reached). */
  private async awaitRun(
    record: TriggerRecord,
    id: string,
    waitMs: number,
    untilAnswer: boolean,
    started: RunSoFar["execution"],
  ): Promise<RunSoFar> {
    try {
      const awaited = await this.deps.execution(id).awaitResponse(record.account_id, Math.max(0, waitMs), untilAnswer);
      if (awaited) return awaited;
    } catch (error) {
      log.error("webhook trigger: waiting for the execution failed", { trigger_id: record.id, execution_id: id, error: asError(error) });
    }
    return { execution: started, answer: null };
  }
}

/** The run's input (docs/triggers.md, "What the run receives"), held to the input budget. */
function runInput(
  trigger: WebhookTrigger,
  request: Request,
  url: URL,
  bytes: Uint8Array,
  deliveryId: string | null,
  receivedAt: string,
): JsonValue {
  const parsed = parseBody(bytes, request.headers.get("Content-Type"));
  if (!parsed.ok) {
    if (parsed.problem === "invalid_json") throw new AppError(400, "invalid_json", "The request body is not valid JSON");
    throw overBudgetError(parsed.violation.message, parsed.violation.limit, parsed.violation.max);
  }
  const input = webhookInput(trigger, {
    method: request.method.toUpperCase(),
    url,
    headers: request.headers,
    body: parsed.body,
    encoding: parsed.encoding,
    contentType: parsed.contentType,
    // Binary bodies are already text (base64) in `body`; decoding them as UTF-8 would garble them.
    rawBody: !trigger.raw_body ? null : parsed.encoding === "base64" ? (parsed.body as string) : new TextDecoder().decode(bytes),
    deliveryId,
    receivedAt,
  });
  const violation = checkValue(input);
  if (violation) throw overBudgetError(violation.message, violation.limit, violation.max);
  const size = jsonBytes(input) ?? 0;
  if (size > INPUT_BUDGET.storedValueBytes) {
    const message = `The run input would be ${size} bytes as JSON; the limit is ${INPUT_BUDGET.storedValueBytes}`;
    throw new AppError(413, "payload_too_large", message, { limit: "storedValueBytes", max: INPUT_BUDGET.storedValueBytes });
  }
  return input;
}

function inactive(result: Extract<TriggeredRunResult, { ok: false }>): AppError {
  // The owner's names (flow, trigger key) stay out of the answer to a public URL; the reason code is enough.
  if (result.code === "flow_not_found") return notFound("Webhook");
  return new AppError(409, "trigger_inactive", "This webhook is not accepting calls", { reason: result.code });
}

function overBudgetError(message: string, limit: string, max: number | null): AppError {
  return new AppError(400, "validation_failed", `The request body is over the input budget: ${message}`, { in: "body", limit, max });
}

function withHeaders(error: AppError, headers: Record<string, string>): AppError {
  if (Object.keys(headers).length === 0) return error;
  return new AppError(error.status, error.code, error.message, error.details, { ...error.headers, ...headers });
}
