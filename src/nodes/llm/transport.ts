/**
 * The `openai` SDK's client for one model call, its requests going out through `ctx.http.open` (the
 * address policy, the byte cap, the node's signal), under one deadline for the whole call. The SDK
 * retries 429, 5xx and lost connections itself, honouring Retry-After; a wait that would run past the
 * deadline (or that the SDK would cut short) is not waited for (the call fails at once with the provider's answer, which a node's
 * `retry:` policy may take up later), and a refusal the same request would meet again (the address
 * policy) is not retried at all.
 */
import OpenAI, { APIConnectionError, APIError } from "openai";
import { NodeError } from "../../engine/outcome";
import { Redactor } from "../../expressions";
import { retryAfterMs } from "../../lib/retry-after";
import type { NodeContext } from "../types";
import { providerError, type Target } from "./provider";

/** Added to each request's own deadline so that the call's deadline, with its clearer error, is the one that fires. */
const REQUEST_SLACK_MS = 1000;
/** The SDK waits at most this long for a Retry-After; past it, it would retry sooner than asked. */
const SDK_MAX_RETRY_AFTER_MS = 60_000;
/** Statuses whose Response cannot have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

export type TransportContext = Pick<NodeContext, "http" | "signal" | "log">;

export interface ModelCall {
  client: OpenAI;
  /** Aborted at the deadline, when the node's signal aborts, or on a refusal not worth retrying. */
  signal: AbortSignal;
  /** HTTP requests made so far (retries included). */
  requests(): number;
  /** What a failure of the call is reported as (a NodeError, or the node signal's reason). */
  failure(error: unknown): Error;
  /** Clears the deadline: call once the answer is read, or the call failed. */
  end(): void;
}

export function openModelCall(
  ctx: TransportContext,
  target: Target,
  connection: { api_key: string; timeout: number; max_retries: number },
): ModelCall {
  const deadline = new AbortController();
  const until = Date.now() + connection.timeout;
  const timer = setTimeout(
    () => deadline.abort(new NodeError("llm_timeout", `${target.provider} did not answer within ${connection.timeout} ms`)),
    connection.timeout,
  );
  const onAbort = () => deadline.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener("abort", onAbort, { once: true });
  let requests = 0;

  const send = async (url: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    requests++;
    let answer;
    try {
      answer = await ctx.http.open(url instanceof Request ? url.url : url, {
        method: init.method ?? "GET",
        ...(init.headers === undefined ? {} : { headers: init.headers }),
        body: bodyOf(init.body),
        timeoutMs: Math.max(1, until - Date.now()) + REQUEST_SLACK_MS,
        signal: init.signal ?? deadline.signal,
      });
    } catch (error) {
      if (error instanceof NodeError && !error.retryable) deadline.abort(error);
      throw error;
    }
    const headers = new Headers(answer.headers);
    if (answer.status >= 400) {
      const wait = retryAfterMs(headers);
      ctx.log("warn", `${target.provider} answered ${answer.status}${wait === undefined ? "" : ` (retry after ${wait} ms)`}`, {
        status: answer.status,
        request: requests,
      });
      if (wait !== undefined && (Date.now() + wait >= until || wait > SDK_MAX_RETRY_AFTER_MS)) headers.set("x-should-retry", "false");
    }
    return new Response(NULL_BODY.has(answer.status) ? null : answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers,
    });
  };

  const client = new OpenAI({
    apiKey: connection.api_key,
    baseURL: target.baseUrl,
    maxRetries: connection.max_retries,
    // Per request; the deadline above bounds the call.
    timeout: connection.timeout,
    logLevel: "off",
    fetch: send,
  });
  const redactor = Redactor.fromSecrets([connection.api_key]);
  return {
    client,
    signal: deadline.signal,
    requests: () => requests,
    end: () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
    },
    failure: (error) => {
      if (deadline.signal.aborted) return reasonOf(deadline.signal);
      if (error instanceof NodeError) return error;
      if (error instanceof APIConnectionError && error.cause instanceof NodeError) return error.cause;
      if (error instanceof APIError && typeof error.status === "number") {
        return providerError(target, connection.api_key, error.status, error.error, error.requestID ?? null);
      }
      const message = redactor.string(error instanceof Error ? error.message : String(error));
      // An error event inside a stream carries the provider's error body without a status.
      const details =
        error instanceof APIError
          ? { provider: target.provider, error: redactor.value(JSON.parse(JSON.stringify(error.error ?? null))) }
          : null;
      return new NodeError("llm_invalid_response", `${target.provider}: ${message}`, details);
    },
  };
}

function bodyOf(body: RequestInit["body"]): string | Uint8Array | null {
  if (body === undefined || body === null) return null;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new NodeError("llm_invalid_request", "Only text and byte request bodies can be sent to a model", null, false);
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new NodeError("cancelled", "The model call was cancelled", null, false);
}
