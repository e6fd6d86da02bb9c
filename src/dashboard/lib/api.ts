/**
 * The API as the dashboard calls it: same origin, the session's bearer token, JSON in and out. Every
 * error answer is the service's envelope `{error: {code, message, details}}`, thrown as an ApiError;
 * a 401 ends the session, so the app goes back to sign-in.
 */
import { session, signOut } from "./session";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = undefined,
  ) {
    super(message);
  }
}

export interface ApiAnswer<T> {
  status: number;
  data: T;
  headers: Headers;
}

export interface CallOptions {
  method?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (e.g. YAML text) with its own Content-Type in `headers`. */
  body?: string;
  headers?: Record<string, string>;
  /** Appended as a query string; undefined and empty values are left out. */
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
  /** Send no token (sign-in, sign-up). */
  anonymous?: boolean;
}

export function withQuery(path: string, query: CallOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

export async function call<T>(path: string, options: CallOptions = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  const token = session.get()?.token;
  if (token && !options.anonymous) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), { method: options.method ?? "GET", headers, body, signal: options.signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "The service cannot be reached. Is it running?");
  }
  const text = response.status === 204 ? "" : await response.text();
  const data = parse(text, response.headers.get("Content-Type"));
  if (!response.ok) {
    const envelope = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    if (response.status === 401 && !options.anonymous) signOut();
    throw new ApiError(response.status, envelope?.code ?? "http_error", envelope?.message ?? `HTTP ${response.status}`, envelope?.details);
  }
  return { status: response.status, data: data as T, headers: response.headers };
}

/** The answer's body only. */
export async function get<T>(path: string, query?: CallOptions["query"], signal?: AbortSignal): Promise<T> {
  return (await call<T>(path, { query, signal })).data;
}

function parse(text: string, contentType: string | null): unknown {
  if (!text) return null;
  if (contentType?.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A message for people: the service's own, with the fields it names. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
