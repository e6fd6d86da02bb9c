/**
 * JavaScript evaluated inside every fresh QuickJS context before the user's code. It evaluates to a
 * `boot(hostLog, maxMessageChars)` function that installs `console`, and returns the helpers the host
 * calls afterwards: `install(name, json, ...)`, `finish(value, wantShared)`, `describe(error)`.
 *
 * Everything it needs from the intrinsics is captured at boot, before user code runs, and property
 * descriptors are null-prototype objects: a script that tampers with `Object.prototype`, `JSON` or
 * `Array.prototype` can break its own run at most, never the host's reading of the result.
 *
 * Values cross the boundary only as strings (JSON or log text), so the host never walks a
 * user-controlled object graph.
 */
export const PRELUDE_FILENAME = "prelude.js";

export const PRELUDE = String.raw`(function boot(hostLog, maxMessageChars) {
  "use strict";
  const G = globalThis;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const define = Object.defineProperty;
  const toStr = String;
  const ErrorCtor = Error;
  const touched = { __proto__: null };
  let accepting = true;

  function data(value) {
    return { __proto__: null, value: value, writable: true, configurable: true, enumerable: true };
  }

  function show(value) {
    if (typeof value === "string") return value;
    if (value instanceof ErrorCtor) {
      const text = toStr(value.name) + ": " + toStr(value.message);
      return typeof value.stack === "string" ? text + "\n" + value.stack : text;
    }
    if (typeof value === "object" && value !== null) {
      try {
        const json = stringify(value);
        if (json !== undefined) return json;
      } catch (e) {
        return "[unserializable object]";
      }
    }
    if (typeof value === "function") return "[Function" + (value.name ? ": " + toStr(value.name) : "") + "]";
    return toStr(value);
  }

  function emit(level, args) {
    if (!accepting) return;
    let message = "";
    for (let i = 0; i < args.length; i++) {
      message += (i > 0 ? " " : "") + show(args[i]);
      if (message.length > maxMessageChars) break;
    }
    if (message.length > maxMessageChars) message = message.slice(0, maxMessageChars);
    accepting = hostLog(level, message) === true;
  }

  const consoleObject = {
    log: function log(...args) { emit("log", args); },
    info: function info(...args) { emit("info", args); },
    warn: function warn(...args) { emit("warn", args); },
    error: function error(...args) { emit("error", args); },
    debug: function debug(...args) { emit("debug", args); },
  };
  define(G, "console", { __proto__: null, value: consoleObject, writable: true, configurable: true, enumerable: false });

  // Scope values are parsed on first access: a run that never reads results or shared pays nothing for them.
  function lazy(name, json) {
    define(G, name, {
      __proto__: null,
      configurable: true,
      enumerable: true,
      get: function () {
        const value = parse(json);
        touched[name] = true;
        define(G, name, data(value));
        return value;
      },
      set: function (value) {
        touched[name] = true;
        define(G, name, data(value));
      },
    });
  }

  function install() {
    for (let i = 0; i + 1 < arguments.length; i += 2) lazy(arguments[i], arguments[i + 1]);
  }

  // One JSON string back: [value] when shared was never touched, [value, shared] when it may have changed.
  function finish(value, wantShared) {
    let out = stringify(value === undefined ? null : value);
    if (out === undefined) out = "null";
    if (!wantShared) return "[" + out + "]";
    if (!touched.shared) return "[" + out + "]";
    let shared = stringify(G.shared === undefined ? null : G.shared);
    if (shared === undefined) shared = "null";
    return "[" + out + "," + shared + "]";
  }

  function clip(text) {
    return text.length > 2000 ? text.slice(0, 2000) + "…" : text;
  }

  function describe(error) {
    const info = { __proto__: null };
    try {
      const isError = error instanceof ErrorCtor;
      if (isError || (typeof error === "object" && error !== null && "message" in error && "name" in error)) {
        info.name = clip(toStr(error.name));
        info.message = clip(toStr(error.message));
        if (typeof error.stack === "string") info.stack = clip(error.stack);
        if (typeof error.lineNumber === "number") info.line = error.lineNumber;
        if (typeof error.columnNumber === "number") info.column = error.columnNumber;
        if (typeof error.fileName === "string") info.fileName = error.fileName;
      } else {
        let repr;
        if (typeof error === "string") repr = error;
        else if (typeof error === "object" && error !== null) repr = stringify(error);
        if (repr === undefined) repr = toStr(error);
        info.thrown = clip(repr);
      }
    } catch (e) {
      info.thrown = "(an exception that could not be described)";
    }
    return stringify(info);
  }

  return { install: install, finish: finish, describe: describe };
})`;
