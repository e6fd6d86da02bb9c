/**
 * A helper compiled inside a context only when it is needed (an error to describe, a non-primitive
 * to log): parsing JavaScript costs QuickJS ~0.1 ms per KB, too much to pay on every call.
 *
 * It receives the intrinsics it uses (captured before the user's code ran) as arguments, and builds
 * its result with a null prototype, so a script that replaced `JSON.stringify` or poisoned
 * `Object.prototype` cannot change how its own error is reported to the host.
 */
export const INSPECT_FILENAME = "inspect.js";

export const INSPECT_SOURCE = String.raw`(function (stringify, toStr, ErrorCtor) {
  "use strict";
  const clip = (t) => (t.length > 2000 ? t.slice(0, 2000) + "…" : t);
  function forLog(v) {
    if (typeof v === "string") return v;
    if (v instanceof ErrorCtor) {
      const head = toStr(v.name) + ": " + toStr(v.message);
      return typeof v.stack === "string" ? head + "\n" + v.stack : head;
    }
    if (typeof v === "function") return "[Function" + (v.name ? ": " + toStr(v.name) : "") + "]";
    if (typeof v === "object" && v !== null) {
      const json = stringify(v);
      if (json !== undefined) return json;
    }
    return toStr(v);
  }
  function describe(v) {
    const info = { __proto__: null };
    if (v instanceof ErrorCtor || (typeof v === "object" && v !== null && "message" in v && "name" in v)) {
      info.name = clip(toStr(v.name));
      info.message = clip(toStr(v.message));
      if (typeof v.stack === "string") info.stack = clip(v.stack);
      if (typeof v.lineNumber === "number") info.line = v.lineNumber;
      if (typeof v.columnNumber === "number") info.column = v.columnNumber;
      if (typeof v.fileName === "string") info.fileName = v.fileName;
    } else {
      const repr = typeof v === "string" ? v : typeof v === "object" && v !== null ? stringify(v) : undefined;
      info.thrown = clip(repr === undefined ? toStr(v) : repr);
    }
    return stringify(info);
  }
  return function inspect(value, mode) {
    try {
      return mode === "log" ? forLog(value) : describe(value);
    } catch (e) {
      return mode === "log" ? "[unprintable value]" : '{"thrown":"(an exception that could not be described)"}';
    }
  };
})`;
