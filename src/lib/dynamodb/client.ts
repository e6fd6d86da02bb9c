import { AwsClient } from "aws4fetch";

/** A DynamoDB attribute value in the wire format of the JSON API. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export type Item = Record<string, AttributeValue>;

export interface DynamoSettings {
  /** e.g. `https://dynamodb.eu-west-1.amazonaws.com`, or a local endpoint. */
  endpoint: string;
  region: string;
  table: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** Sends one signed DynamoDB request and answers its status and body text. */
export type DynamoTransport = (request: { url: string; headers: Headers; body: string }) => Promise<{ status: number; text: string }>;

/** The default transport: the runtime's own `fetch`. */
export const fetchTransport: DynamoTransport = async ({ url, headers, body }) => {
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, text: await response.text() };
};

/** An error answered by DynamoDB, by its short type name (e.g. `ConditionalCheckFailedException`). */
export class DynamoError extends Error {
  override readonly name = "DynamoError";
  readonly type: string;
  readonly status: number;
  /** For TransactionCanceledException: one reason per item, `None` for items that were fine. */
  readonly cancellationReasons: { Code: string; Message?: string }[];

  constructor(type: string, message: string, status: number, cancellationReasons: { Code: string; Message?: string }[] = []) {
    super(`${type}: ${message}`);
    this.type = type;
    this.status = status;
    this.cancellationReasons = cancellationReasons;
  }
}

const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
]);
const MAX_ATTEMPTS = 5;

/** Throttling and server-side failures: the same request may succeed a moment later. */
export const isRetryable = (error: unknown): boolean => error instanceof DynamoError && (RETRYABLE.has(error.type) || error.status >= 500);

/**
 * A thin client for the DynamoDB JSON API: requests signed by aws4fetch and
 * sent through a transport (`fetch` unless told otherwise), nothing else.
 * Throttling and 5xx answers are retried with jittered back-off.
 */
export class DynamoClient {
  readonly table: string;
  private readonly aws: AwsClient;
  private readonly endpoint: string;
  private readonly transport: DynamoTransport;

  constructor(settings: DynamoSettings, transport: DynamoTransport = fetchTransport) {
    this.table = settings.table;
    this.endpoint = settings.endpoint;
    this.transport = transport;
    this.aws = new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      sessionToken: settings.sessionToken,
      service: "dynamodb",
      region: settings.region,
      retries: 0,
    });
  }

  async send<T = Record<string, unknown>>(operation: string, input: object): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sendOnce<T>(operation, input);
      } catch (error) {
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * 2 ** attempt));
      }
    }
  }

  private async sendOnce<T>(operation: string, input: object): Promise<T> {
    const payload = JSON.stringify(input);
    const signed = await this.aws.sign(this.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": `DynamoDB_20120810.${operation}` },
      body: payload,
    });
    const response = await this.transport({ url: signed.url, headers: signed.headers, body: payload });
    const { text } = response;
    if (response.status >= 200 && response.status < 300) return (text ? JSON.parse(text) : {}) as T;
    let body: { __type?: string; message?: string; Message?: string; CancellationReasons?: { Code: string; Message?: string }[] } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not JSON: keep the raw text as the message.
    }
    const type = (body.__type ?? `Http${response.status}`).split("#").pop()!;
    throw new DynamoError(type, body.message ?? body.Message ?? text.slice(0, 200), response.status, body.CancellationReasons ?? []);
  }
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof DynamoError && error.type === "ConditionalCheckFailedException";
}

/** True when a transaction was cancelled only because conditions did not hold. */
export function isTransactionConditionFailure(error: unknown): error is DynamoError {
  return (
    error instanceof DynamoError &&
    error.type === "TransactionCanceledException" &&
    error.cancellationReasons.some((r) => r.Code === "ConditionalCheckFailed") &&
    error.cancellationReasons.every((r) => r.Code === "ConditionalCheckFailed" || r.Code === "None")
  );
}

// ---- values -----------------------------------------------------------------

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });
export const L = (values: readonly string[]): AttributeValue => ({ L: values.map(S) });
export const BOOL = (value: boolean): AttributeValue => ({ BOOL: value });
/** A string set; DynamoDB has no empty sets, so callers remove the attribute instead. */
export const SS = (values: readonly string[]): AttributeValue => ({ SS: [...values] });

/** Sets the attribute when the value is not null (absent attributes read back as null). */
export function optional(item: Item, name: string, value: string | null | undefined): void {
  if (value !== null && value !== undefined) item[name] = S(value);
}

export function str(item: Item, name: string): string {
  const value = item[name];
  if (value && "S" in value) return value.S;
  throw new Error(`DynamoDB item has no string attribute ${name}`);
}

export function strOrNull(item: Item, name: string): string | null {
  const value = item[name];
  return value && "S" in value ? value.S : null;
}

export function num(item: Item, name: string): number {
  const value = item[name];
  if (value && "N" in value) return Number(value.N);
  throw new Error(`DynamoDB item has no number attribute ${name}`);
}

export function list(item: Item, name: string): string[] {
  const value = item[name];
  if (!value || !("L" in value)) return [];
  return value.L.map((v) => ("S" in v ? v.S : ""));
}

export function bool(item: Item, name: string, fallback: boolean): boolean {
  const value = item[name];
  return value && "BOOL" in value ? value.BOOL : fallback;
}

/** A string set's members; an absent attribute is the empty set. */
export function stringSet(item: Item, name: string): string[] {
  const value = item[name];
  return value && "SS" in value ? value.SS : [];
}

export function json<T>(item: Item, name: string, fallback: T): T {
  const text = strOrNull(item, name);
  return text === null ? fallback : (JSON.parse(text) as T);
}
