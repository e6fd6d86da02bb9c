/** The node's DynamoDB client: credentials from params or an `aws` secret, requests through `ctx.http`, failures as NodeErrors. */
import { NodeError } from "../../engine/outcome";
import type { ParamsOf } from "../../flow/node-types/spec";
import { DynamoClient, DynamoError, isRetryable, type DynamoTransport } from "../../lib/dynamodb/client";
import { MarshalError } from "../../lib/dynamodb/marshal";
import { isRecord } from "../../lib/json";
import type { NodeContext } from "../types";
import { FilterError } from "./filter";
import type { dynamodb } from "./spec";

export type DynamoParams = ParamsOf<typeof dynamodb>;
export type DynamoContext = Pick<
  NodeContext<DynamoParams>,
  "params" | "http" | "signal" | "secret" | "log" | "now" | "idempotencyKey" | "item"
>;

export interface Connection {
  client: DynamoClient;
  /** Removed from every message that leaves the node (the lifecycle redacts secrets too; this covers keys typed into params). */
  accessKeyId: string;
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  region?: string | undefined;
}

export async function connect(ctx: DynamoContext, table: string): Promise<Connection> {
  const { params } = ctx;
  const credentials = await credentialsFor(ctx);
  const region = params.region ?? credentials.region ?? "us-east-1";
  const endpoint = endpointFor(params.endpoint, region);
  // Through ctx.http: the private-network policy, the deadline and the byte cap apply to every call.
  const transport: DynamoTransport = async ({ url, headers, body }) => {
    const response = await ctx.http.request(url, {
      method: "POST",
      headers,
      body,
      timeoutMs: params.timeout,
      signal: ctx.signal,
      followRedirects: false,
    });
    return { status: response.status, text: response.text() };
  };
  const client = new DynamoClient({ endpoint, region, table, ...credentials }, transport);
  return { client, accessKeyId: credentials.accessKeyId };
}

async function credentialsFor(ctx: DynamoContext): Promise<Credentials> {
  const { params } = ctx;
  if (params.credentials !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await ctx.secret(params.credentials));
    } catch (error) {
      if (error instanceof NodeError) throw error;
      parsed = null;
    }
    const field = (name: string) =>
      isRecord(parsed) && typeof parsed[name] === "string" && parsed[name] !== "" ? parsed[name] : undefined;
    const accessKeyId = field("access_key_id");
    const secretAccessKey = field("secret_access_key");
    if (accessKeyId === undefined || secretAccessKey === undefined) {
      throw new NodeError(
        "invalid_credentials",
        `The secret '${params.credentials}' is not an aws secret: it needs access_key_id and secret_access_key`,
        { param: "credentials" },
        false,
      );
    }
    return { accessKeyId, secretAccessKey, sessionToken: field("session_token") ?? params.session_token, region: field("region") };
  }
  if (params.access_key === undefined || params.secret_key === undefined) {
    throw new NodeError(
      "invalid_credentials",
      "DynamoDB needs credentials: access_key and secret_key, or credentials (an aws secret)",
      null,
      false,
    );
  }
  return { accessKeyId: params.access_key, secretAccessKey: params.secret_key, sessionToken: params.session_token };
}

function endpointFor(raw: string | undefined, region: string): string {
  if (raw === undefined) {
    if (!/^[a-z0-9-]+$/.test(region)) throw new NodeError("invalid_params", `'${region}' is not an AWS region`, { param: "region" }, false);
    return `https://dynamodb.${region}.amazonaws.com/`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NodeError("invalid_url", `'${raw}' is not an absolute URL`, { param: "endpoint" }, false);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NodeError("invalid_url", `The endpoint must be http or https, not ${url.protocol}`, { param: "endpoint" }, false);
  }
  return url.toString();
}

const ACCESS_ERRORS = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "AccessDeniedException",
  "MissingAuthenticationTokenException",
  "IncompleteSignatureException",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
]);

/** A failure of a call as the NodeError the step records; DynamoDB's own message, never a credential. */
export function toNodeError(error: unknown, connection: Pick<Connection, "accessKeyId">): unknown {
  if (error instanceof MarshalError || error instanceof FilterError) return new NodeError("invalid_params", error.message, null, false);
  if (!(error instanceof DynamoError)) return error;
  const message = scrub(`DynamoDB ${error.message}`, connection.accessKeyId);
  const details = { type: error.type, status: error.status };
  if (isRetryable(error)) {
    const throttled = error.status < 500;
    return new NodeError(throttled ? "dynamodb_throttled" : "dynamodb_unavailable", message, details, true);
  }
  if (error.type === "ResourceNotFoundException") return new NodeError("table_not_found", message, details, false);
  if (ACCESS_ERRORS.has(error.type) || error.status === 403) return new NodeError("access_denied", message, details, false);
  if (error.type === "TransactionCanceledException" || error.type === "TransactionConflictException") {
    const reasons = error.cancellationReasons.map((r) => r.Code);
    // Another writer or throttling got in the way: the same transaction may pass on a retry.
    const transient =
      error.type === "TransactionConflictException" || reasons.some((r) => r === "TransactionConflict" || r === "ThrottlingError");
    return new NodeError("transaction_canceled", message, { ...details, reasons }, transient);
  }
  if (error.type === "ValidationException" || error.type === "SerializationException") {
    return new NodeError("invalid_request", message, details, false);
  }
  return new NodeError("dynamodb_error", message, details, false);
}

function scrub(message: string, accessKeyId: string): string {
  return accessKeyId.length >= 4 ? message.split(accessKeyId).join("***") : message;
}

/** Waits before trying unprocessed items again; stops early when the step is aborted. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
