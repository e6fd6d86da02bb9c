/**
 * Reads a thrown value inside the plugin's context. Compiled only when there is an error to read
 * (parsing costs QuickJS about 0.5 ms per KB on this machine, too much for every call), and handed
 * intrinsics captured before the plugin's code ran, so a plugin that replaced `JSON.stringify` or
 * poisoned `Object.prototype` cannot change how its error reaches the host.
 */
export const DESCRIBE_FILENAME = "describe.js";

export const DESCRIBE_SOURCE = String.raw`(function (stringify, toStr) {
  "use strict";
  const clip = (t, n) => (t.length > n ? t.slice(0, n) : t);
  return function describe(v) {
    const info = { __proto__: null };
    try {
      if (typeof v === "object" && v !== null) {
        info.name = v.name === undefined ? "Error" : clip(toStr(v.name), 200);
        info.message = clip(toStr(v.message), 2000);
        if (typeof v.stack === "string") info.stack = clip(v.stack, 4000);
        if (typeof v.code === "string") info.code = clip(v.code, 200);
        if (typeof v.retryable === "boolean") info.retryable = v.retryable;
        if (typeof v.lineNumber === "number") info.line = v.lineNumber;
        if (typeof v.fileName === "string") info.fileName = clip(v.fileName, 200);
      } else {
        info.thrown = clip(typeof v === "string" ? v : toStr(v), 2000);
      }
    } catch (e) {
      info.thrown = "(an exception that could not be described)";
    }
    return stringify(info);
  };
})`;
