/**
 * `ctx.http`: the one way a node reaches the network. Every call has a deadline that covers the whole
 * exchange (redirects and body included), follows the caller's abort signal, reads at most a fixed
 * number of bytes, and checks every host it visits (the first and each redirect target) against the
 * private-network policy.
 */
import { NodeError } from "../../engine/outcome";
import { checkUrl, type PrivateNetworkPolicy } from "./network-policy";

/** Responses larger than this fail the call rather than bloat the step record that would keep them. */
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/**
 * Redirects followed before giving up. The fetch standard allows 20; real sites need one to three
 * (http to https, apex to www, a login bounce), and each hop costs a subrequest from the Worker's budget.
 */
export const MAX_REDIRECTS = 10;

export interface HttpClientOptions {
  /** The runtime's fetch. Called with `redirect: "manual"`: the client follows redirects itself. */
  fetch: typeof fetch;
  privateNetwork: PrivateNetworkPolicy;
  /** Ceiling for every call's `maxBytes`. Default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
}

export interface HttpRequestInit {
  /** Default GET. A body given with GET or HEAD is not sent (fetch would refuse the call). */
  method?: string;
  headers?: HeadersInit;
  /** A string or bytes, so that a 307/308 redirect can send it again. */
  body?: string | Uint8Array | null;
  /** Deadline for the whole exchange: every hop, and the body. */
  timeoutMs: number;
  /** The node's signal; aborting it ends the call with the signal's reason. */
  signal: AbortSignal;
  /** Body size cap for this call; cannot exceed the client's `maxResponseBytes`. */
  maxBytes?: number;
  /** Default true. When false a 3xx is returned as it is. */
  followRedirects?: boolean;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Headers;
  /** The URL that answered, after redirects. */
  url: string;
  /** Whether at least one redirect was followed. */
  redirected: boolean;
  bytes: Uint8Array;
  /** The body decoded as UTF-8 (invalid sequences become U+FFFD). */
  text(): string;
}

/** An answer whose body is read as it arrives (`HttpClient.open`). */
export interface HttpStream {
  status: number;
  statusText: string;
  headers: Headers;
  /** The URL that answered, after redirects. */
  url: string;
  redirected: boolean;
  /**
   * The body, still under the call's deadline, signal and byte cap: reading fails with the same
   * errors as `request` (`http_timeout`, the signal's reason, `response_too_large`, `network_error`).
   * Read it to the end or cancel it: the deadline's timer runs until one of the two.
   */
  body: ReadableStream<Uint8Array>;
}

export interface HttpClient {
  /**
   * Sends one request, following redirects. Fails with a NodeError:
   * - `invalid_url` (not retried): not an absolute http(s) URL, or a redirect to one;
   * - `address_not_allowed` (not retried): the host, or a redirect's host, is refused by the policy;
   * - `http_timeout`: the deadline passed, whether waiting for headers or for the body;
   * - `network_error`: DNS, connection or protocol failure;
   * - `response_too_large` (not retried): the body is larger than the cap;
   * - `too_many_redirects` (not retried): more than MAX_REDIRECTS hops.
   * When the caller's signal aborts, the call rejects with the signal's reason (an Error), unchanged.
   * Messages show the origin and path of a URL, never its query or userinfo, which may hold credentials.
   */
  request(url: string | URL, init: HttpRequestInit): Promise<HttpResponse>;
  /**
   * `request`, resolving once the headers came, with the body as a stream (server-sent events, a
   * model's tokens). The same rules hold: one deadline for headers and body, the caller's signal,
   * the byte cap, the address policy on every hop.
   */
  open(url: string | URL, init: HttpRequestInit): Promise<HttpStream>;
}

interface Hop {
  url: URL;
  method: string;
  headers: Headers;
  body: string | Uint8Array | null;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const ceiling = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const open = async (url: string | URL, init: HttpRequestInit): Promise<HttpStream> => {
    const method = (init.method ?? "GET").toUpperCase();
    const maxBytes = Math.min(init.maxBytes ?? ceiling, ceiling);
    let hop: Hop = {
      url: allowedUrl(url, options.privateNetwork, "The URL"),
      method,
      headers: new Headers(init.headers),
      body: method === "GET" || method === "HEAD" ? null : (init.body ?? null),
    };
    const exchange = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      exchange.abort(new NodeError("http_timeout", `${describe(hop)} took longer than ${init.timeoutMs} ms`));
    }, init.timeoutMs);
    const onAbort = () => exchange.abort(init.signal.reason);
    if (init.signal.aborted) onAbort();
    else init.signal.addEventListener("abort", onAbort, { once: true });
    const end = () => {
      clearTimeout(timer);
      init.signal.removeEventListener("abort", onAbort);
    };
    /** What a failure anywhere in the exchange, body included, is reported as. */
    const failure = (error: unknown): Error => {
      if (init.signal.aborted && !timedOut) return abortReason(init.signal);
      if (error instanceof NodeError) return error;
      if (timedOut) return exchange.signal.reason as Error;
      return new NodeError("network_error", `${describe(hop)} failed: ${failureText(error)}`);
    };
    try {
      for (let redirects = 0; ; redirects++) {
        const response = await options.fetch(hop.url.href, {
          method: hop.method,
          headers: hop.headers,
          ...(hop.body === null ? {} : { body: hop.body }),
          redirect: "manual",
          signal: exchange.signal,
        });
        const location = init.followRedirects !== false && REDIRECT_STATUSES.has(response.status) ? response.headers.get("Location") : null;
        if (location === null) {
          const body = cappedBody(response, maxBytes, exchange.signal, hop, { end, failure });
          return {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers,
            url: hop.url.href,
            redirected: redirects > 0,
            body,
          };
        }
        response.body?.cancel().catch(() => undefined);
        if (redirects === MAX_REDIRECTS) {
          throw new NodeError("too_many_redirects", `${describe(hop)} redirected more than ${MAX_REDIRECTS} times`, null, false);
        }
        hop = redirected(hop, response.status, location, options.privateNetwork);
      }
    } catch (error) {
      end();
      throw failure(error);
    }
  };
  return {
    open,
    async request(url, init) {
      const answer = await open(url, init);
      const bytes = await readAll(answer.body);
      let text: string | undefined;
      const { body: _body, ...rest } = answer;
      return { ...rest, bytes, text: () => (text ??= new TextDecoder().decode(bytes)) };
    },
  };
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that describe a body, dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ["Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Content-Location"];
/**
 * Credentials never follow a redirect to another origin. The fetch standard names Authorization; cookies
 * and proxy credentials belong to the origin that received them just as much.
 */
const CREDENTIAL_HEADERS = ["Authorization", "Proxy-Authorization", "Cookie"];

/** The next request, as the fetch standard's HTTP-redirect fetch builds it. */
function redirected(from: Hop, status: number, location: string, policy: PrivateNetworkPolicy): Hop {
  let target: URL;
  try {
    target = new URL(location, from.url);
  } catch {
    throw new NodeError("invalid_url", `${describe(from)} redirected to a Location that is not a URL`, null, false);
  }
  const url = allowedUrl(target, policy, `${describe(from)} redirected to a URL that`);
  const headers = new Headers(from.headers);
  let { method, body } = from;
  if (((status === 301 || status === 302) && method === "POST") || (status === 303 && method !== "GET" && method !== "HEAD")) {
    method = "GET";
    body = null;
    for (const name of BODY_HEADERS) headers.delete(name);
  }
  if (url.origin !== from.url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  return { url, method, headers, body };
}

function allowedUrl(url: string | URL, policy: PrivateNetworkPolicy, subject: string): URL {
  const check = checkUrl(url, policy);
  if (check.ok) return typeof url === "string" ? new URL(url) : url;
  if (check.reason === "address_not_allowed") throw new NodeError("address_not_allowed", check.message, { host: check.hostname }, false);
  const what = check.reason === "unsupported_protocol" ? check.message : `${subject} is not an absolute http or https URL`;
  throw new NodeError("invalid_url", what, null, false);
}

/**
 * The body as a stream that fails as soon as it passes `maxBytes` (a declared Content-Length above the
 * cap fails at once), and when the exchange's signal aborts: each read races the signal because not
 * every runtime errors a body stream when the fetch's signal aborts after the headers came. The
 * exchange ends (its timer cleared) when the body ends, fails or is cancelled.
 */
function cappedBody(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
  hop: Hop,
  exchange: { end(): void; failure(error: unknown): Error },
): ReadableStream<Uint8Array> {
  const tooLarge = () =>
    new NodeError("response_too_large", `${describe(hop)} answered more than ${maxBytes} bytes`, { max_bytes: maxBytes }, false);
  const declared = Number(response.headers.get("Content-Length") ?? Number.NaN);
  if (declared > maxBytes) {
    response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const reader = response.body?.getReader();
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(signal.reason instanceof Error ? signal.reason : new Error("The request was aborted"));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
  aborted.catch(() => undefined);
  let size = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = reader ? await Promise.race([reader.read(), aborted]) : { done: true as const };
        if (chunk.done) {
          exchange.end();
          controller.close();
          return;
        }
        size += chunk.value.byteLength;
        if (size > maxBytes) throw tooLarge();
        controller.enqueue(chunk.value);
      } catch (error) {
        reader?.cancel().catch(() => undefined);
        const failed = exchange.failure(error);
        exchange.end();
        controller.error(failed);
      }
    },
    cancel(reason) {
      exchange.end();
      return reader?.cancel(reason).catch(() => undefined);
    },
  });
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

/** Method, origin and path: enough to find the call, without the query or userinfo. */
function describe(hop: Hop): string {
  return `${hop.method} ${hop.url.origin}${hop.url.pathname}`;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new NodeError("aborted", "The request was cancelled", null, false);
}

/** Runtimes wrap the useful part ("connect ECONNREFUSED 127.0.0.1:9") in `cause`. */
function failureText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
