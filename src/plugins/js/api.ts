/**
 * The one argument a node function receives, `{ params, input, execution, http, log }`, built through
 * the FFI: `log` and `http.fetch` are host functions, and the answers of `http.fetch` are objects the
 * host fills in. Nothing here is added to the plugin's global object.
 */
import type { QuickJSHandle } from "quickjs-emscripten-core";
import { utf8Length } from "../../sandbox/logs";
import type { PluginCall, PluginLogLevel } from "../contract";
import type { PluginContext } from "./context";
import type { PluginAnswer, PluginRequest } from "./host-http";

export interface ApiHost {
  log(level: PluginLogLevel, message: string): void;
  /** Start a host call; returns the QuickJS promise the plugin awaits. */
  fetch(request: PluginRequest): QuickJSHandle;
}

const LEVELS = new Set<string>(["debug", "info", "warn", "error"]);
const METHOD = /^[A-Za-z]{1,16}$/;
const MAX_HEADERS = 100;
const MAX_HEADER_CHARS = 8_192;

/** The argument object, frozen, with the call's JSON parsed inside the context. */
export function buildArgs(
  pc: PluginContext,
  call: PluginCall,
  host: ApiHost,
  limits: { logBytes: number; memoryBytes: number },
): QuickJSHandle | { thrown: QuickJSHandle } | { tooLarge: number } {
  const { ctx, intrinsics } = pc;
  const json = JSON.stringify({ params: call.params, input: call.input, execution: call.execution });
  // Copying an oversized call into a nearly full heap would make malloc fail inside the FFI glue,
  // which does not check for it: refuse before touching the engine (as the sandbox does with its scope).
  const size = utf8Length(json);
  if (size > limits.memoryBytes / 4) return { tooLarge: size };
  const maxLogChars = limits.logBytes;
  const parsed = pc.call(intrinsics.parse, ctx.undefined, pc.own(ctx.newString(json)));
  if ("thrown" in parsed) return parsed;
  const args = parsed.value;
  pc.call(intrinsics.freeze, ctx.undefined, pc.own(ctx.getProp(args, "execution")));
  const http = pc.own(ctx.newObject());
  ctx.setProp(http, "fetch", pc.own(ctx.newFunction("fetch", (url, init) => fetchCall(pc, host, url, init))));
  pc.call(intrinsics.freeze, ctx.undefined, http);
  ctx.setProp(args, "http", http);
  ctx.setProp(args, "log", pc.own(ctx.newFunction("log", (...values) => void logCall(pc, host, values, maxLogChars))));
  pc.call(intrinsics.freeze, ctx.undefined, args);
  return args;
}

/** `log(level?, ...values)`: a first argument naming a level sets it; everything else is the message. */
function logCall(pc: PluginContext, host: ApiHost, values: QuickJSHandle[], maxChars: number): void {
  const { ctx } = pc;
  let level: PluginLogLevel = "info";
  let start = 0;
  if (values.length > 1 && ctx.typeof(values[0]!) === "string" && (ctx.getLength(values[0]!) ?? 0) <= 5) {
    const named = ctx.getString(values[0]!);
    if (LEVELS.has(named)) {
      level = named as PluginLogLevel;
      start = 1;
    }
  }
  let message = "";
  for (let i = start; i < values.length && message.length <= maxChars; i++)
    message += (i > start ? " " : "") + show(pc, values[i]!, maxChars + 1);
  // One character over the cap still reaches the collector, so that it records the truncation.
  host.log(level, message.length > maxChars + 1 ? message.slice(0, maxChars + 1) : message);
}

/** Text for one logged value: strings as they are, errors as `Name: message`, anything else as JSON. */
function show(pc: PluginContext, value: QuickJSHandle, maxChars: number): string {
  const { ctx, intrinsics } = pc;
  switch (ctx.typeof(value)) {
    case "string":
      return pc.text(value, maxChars);
    case "number":
      return String(ctx.getNumber(value));
    case "object": {
      const stack = pc.own(ctx.getProp(value, "stack"));
      if (ctx.typeof(stack) === "string") {
        const name = pc.call(intrinsics.toStr, ctx.undefined, pc.own(ctx.getProp(value, "name")));
        const message = pc.call(intrinsics.toStr, ctx.undefined, pc.own(ctx.getProp(value, "message")));
        if ("value" in name && "value" in message) return `${pc.text(name.value, 200)}: ${pc.text(message.value, maxChars)}`;
      }
      const json = pc.call(intrinsics.stringify, ctx.undefined, value);
      return "value" in json && ctx.typeof(json.value) === "string" ? pc.text(json.value, maxChars) : "[unprintable value]";
    }
    case "function":
      return "[function]";
    default: {
      const text = pc.call(intrinsics.toStr, ctx.undefined, value);
      return "value" in text ? pc.text(text.value, maxChars) : "[unprintable value]";
    }
  }
}

/** `http.fetch(url, init?)`: a bad argument rejects with a TypeError, as an async function would. */
function fetchCall(pc: PluginContext, host: ApiHost, url: QuickJSHandle | undefined, init: QuickJSHandle | undefined): QuickJSHandle {
  const request = readRequest(pc, url, init);
  if (typeof request === "object") return host.fetch(request);
  const { ctx } = pc;
  const deferred = ctx.newPromise();
  const error = ctx.newError({ name: "TypeError", message: `http.fetch: ${request}` });
  deferred.reject(error);
  error.dispose();
  const promise = deferred.handle.dup();
  deferred.dispose();
  return promise;
}

function readRequest(pc: PluginContext, urlHandle: QuickJSHandle | undefined, init: QuickJSHandle | undefined): PluginRequest | string {
  const { ctx } = pc;
  if (!urlHandle || ctx.typeof(urlHandle) !== "string") return "the URL must be a string";
  const url = pc.text(urlHandle, 16_384);
  const request: PluginRequest = { url, method: "GET", headers: {}, body: null };
  if (!init || ctx.typeof(init) === "undefined" || isNull(pc, init)) return request;
  if (ctx.typeof(init) !== "object") return "init must be an object { method, headers, body }";
  const method = pc.own(ctx.getProp(init, "method"));
  if (ctx.typeof(method) !== "undefined") {
    if (ctx.typeof(method) !== "string" || !METHOD.test(pc.text(method, 17))) return "init.method must be an HTTP method name";
    request.method = ctx.getString(method).toUpperCase();
  }
  const headers = pc.own(ctx.getProp(init, "headers"));
  if (ctx.typeof(headers) !== "undefined" && !isNull(pc, headers)) {
    if (ctx.typeof(headers) !== "object") return "init.headers must be an object of header names to values";
    const names = pc.call(pc.intrinsics.keys, ctx.undefined, headers);
    if ("thrown" in names) return "init.headers could not be read";
    const count = ctx.getLength(names.value) ?? 0;
    if (count > MAX_HEADERS) return `at most ${MAX_HEADERS} headers can be sent`;
    for (let i = 0; i < count; i++) {
      const name = pc.text(pc.own(ctx.getProp(names.value, i)), MAX_HEADER_CHARS);
      const value = pc.own(ctx.getProp(headers, name));
      const kind = ctx.typeof(value);
      if (kind === "string") request.headers[name] = pc.text(value, MAX_HEADER_CHARS);
      else if (kind === "number") request.headers[name] = String(ctx.getNumber(value));
      else return `the value of header ${name} must be a string`;
    }
  }
  const body = pc.own(ctx.getProp(init, "body"));
  if (ctx.typeof(body) === "string") request.body = ctx.getString(body);
  else if (ctx.typeof(body) !== "undefined" && !isNull(pc, body)) return "init.body must be a string (use JSON.stringify for JSON)";
  return request;
}

function isNull(pc: PluginContext, handle: QuickJSHandle): boolean {
  return pc.ctx.eq(handle, pc.ctx.null);
}

/** The object `http.fetch` resolves with: status, ok, statusText, url, redirected, headers, text(), json(). */
export function answerObject(pc: PluginContext, answer: PluginAnswer): QuickJSHandle {
  const { ctx, intrinsics } = pc;
  const object = pc.own(ctx.newObject());
  ctx.setProp(object, "status", pc.own(ctx.newNumber(answer.status)));
  ctx.setProp(object, "ok", answer.status >= 200 && answer.status < 300 ? ctx.true : ctx.false);
  ctx.setProp(object, "statusText", pc.own(ctx.newString(answer.statusText)));
  ctx.setProp(object, "url", pc.own(ctx.newString(answer.url)));
  ctx.setProp(object, "redirected", answer.redirected ? ctx.true : ctx.false);
  const headers = pc.call(intrinsics.parse, ctx.undefined, pc.own(ctx.newString(JSON.stringify(answer.headers))));
  if ("value" in headers) {
    pc.call(intrinsics.freeze, ctx.undefined, headers.value);
    ctx.setProp(object, "headers", headers.value);
  }
  const { body } = answer;
  ctx.setProp(object, "text", pc.own(ctx.newFunction("text", () => ctx.newString(body))));
  ctx.setProp(
    object,
    "json",
    pc.own(
      ctx.newFunction("json", () => {
        const text = ctx.newString(body);
        const parsed = ctx.callFunction(intrinsics.parse, ctx.undefined, text);
        text.dispose();
        return parsed;
      }),
    ),
  );
  pc.call(intrinsics.freeze, ctx.undefined, object);
  return object;
}
