/**
 * The HTTP client of the CLI: JSON in and out, the API's error envelope
 * turned into `ApiError`, bearer authentication.
 */
import { VERSION } from "./_version";

/** An error answer of the API (`{error: {code, message, details}}`), or a transport failure. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** A JSON value, or a string sent as is with `contentType`. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** `text` answers the body as a string instead of parsing JSON. */
  as?: "json" | "text";
}

export class Client {
  readonly baseUrl: string;
  constructor(
    baseUrl: string,
    readonly token?: string,
  ) {
    this.baseUrl = normaliseUrl(baseUrl);
  }

  url(path: string, query?: RequestOptions["query"]): URL {
    const url = new URL(path.replace(/^\//, ""), this.baseUrl + "/");
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    return url;
  }

  authHeaders(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.exchange<T>(method, path, options)).body;
  }

  /** Like `request`, with the response status. */
  async exchange<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {
      "User-Agent": `flowrunner-cli/${VERSION}`,
      Accept: "application/json",
      ...this.authHeaders(),
      ...options.headers,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" && options.contentType ? options.body : JSON.stringify(options.body);
      headers["Content-Type"] = options.contentType ?? "application/json";
    }
    const url = this.url(path, options.query);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(0, "network_error", `cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) throw toApiError(response, text);
    if (options.as === "text") return { status: response.status, body: text as T };
    if (text === "") return { status: response.status, body: undefined as T };
    try {
      return { status: response.status, body: JSON.parse(text) as T };
    } catch {
      throw new ApiError(
        response.status,
        "invalid_response",
        `the server at ${url.origin} did not answer JSON (is it a FlowRunner server?)`,
      );
    }
  }

  get<T = unknown>(path: string, query?: RequestOptions["query"], options: RequestOptions = {}): Promise<T> {
    return this.request<T>("GET", path, { ...options, query });
  }

  post<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("POST", path, { ...options, body });
  }
}

function toApiError(response: Response, text: string): ApiError {
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (error?.code) return new ApiError(response.status, error.code, error.message ?? response.statusText, error.details);
  } catch {
    // Not our envelope: fall through.
  }
  return new ApiError(response.status, `http_${response.status}`, text.trim().slice(0, 200) || response.statusText);
}

/** `localhost:8787` → `http://localhost:8787`; no trailing slash; rejects what is not http(s). */
export function normaliseUrl(raw: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ApiError(0, "invalid_url", `'${raw}' is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ApiError(0, "invalid_url", `'${raw}' is not an http(s) URL`);
  return url.toString().replace(/\/+$/, "");
}
