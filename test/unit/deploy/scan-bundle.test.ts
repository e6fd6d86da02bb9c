import { describe, expect, it } from "vitest";
import { scanBundle } from "../../../scripts/deploy-check.mjs";

const bundle = (...modules: [string, string][]) => modules.map(([path, code]) => `// ${path}\n${code}\n`).join("\n");

describe("the deploy check's bundle scan", () => {
  it("finds eval, Function and new Function, naming the module each comes from", () => {
    const { codegen } = scanBundle(
      bundle(
        ["node_modules/a/index.js", "const f = new Function('x', 'return x');"],
        ["node_modules/b/index.js", "function run(s) { return eval(s); }"],
        ["src/c.ts", "const g = Function('return 1');"],
      ),
    );
    expect(codegen.map((site) => [site.module, site.code])).toEqual([
      ["node_modules/a/index.js", "new Function(…)"],
      ["node_modules/b/index.js", "eval(…)"],
      ["src/c.ts", "Function(…)"],
    ]);
    expect(codegen[0]?.line).toBe(2);
  });

  it("finds the global Function kept in a variable, the way libraries hide it from bundlers", () => {
    const { codegen } = scanBundle(
      bundle(["node_modules/zod/v4/core/doc.js", "const F2 = Function; const make = new F2('a', 'return a');"]),
    );
    expect(codegen.map((site) => site.code)).toEqual(["F2 = Function"]);
  });

  it("does not count names that merely contain eval or Function, or strings and comments", () => {
    const { codegen } = scanBundle(
      bundle([
        "src/sandbox.ts",
        "vm.evalCode(code); ctx.newFunction('log', () => {}); const s = 'eval(x)'; // new Function()\nconst isFn = x instanceof Function;",
      ]),
    );
    expect(codegen).toEqual([]);
  });

  it("finds Node.js built-ins imported statically, dynamically or by require", () => {
    const { builtins } = scanBundle(
      bundle(
        ["src/a.ts", 'import { readFileSync } from "node:fs";'],
        ["node_modules/b/index.js", 'const crypto = require("crypto"); const m = await import("node:path");'],
        ["node_modules/c/index.js", 'import x from "yaml"; export * from "./local.js";'],
      ),
    );
    expect(builtins.map((site) => [site.module, site.specifier])).toEqual([
      ["src/a.ts", "node:fs"],
      ["node_modules/b/index.js", "crypto"],
      ["node_modules/b/index.js", "node:path"],
    ]);
  });
});
