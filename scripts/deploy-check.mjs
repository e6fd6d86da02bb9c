#!/usr/bin/env node
/**
 * `npm run deploy:check`: bundles the Worker exactly as `wrangler deploy` would, from the real
 * wrangler.toml (`wrangler deploy --dry-run --outdir`), and fails when the bundle would not deploy or
 * would not run on Workers:
 *
 *   - its compressed size exceeds the plan's limit (Free 3 MiB, Paid 10 MiB; `--plan paid`), or its
 *     uncompressed size exceeds 64 MiB;
 *   - it generates code at run time — `eval(...)`, `Function(...)`/`new Function(...)`, or a variable
 *     holding the global `Function` — which Workers refuse ("Code generation from strings
 *     disallowed"), except at the sites listed in ALLOWED below with the reason they never run;
 *   - it imports a Node.js built-in (`node:…` or a bare `fs`, `crypto`, …) while wrangler.toml does not
 *     set the `nodejs_compat` flag.
 *
 *   node scripts/deploy-check.mjs [--plan free|paid] [--outdir <dir>] [--json]
 *
 * The check parses the bundle (TypeScript's parser), so names such as `newFunction` or `evalCode` do
 * not count; each finding names the source module from esbuild's `// node_modules/...` markers.
 */
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const MIB = 1024 * 1024;
/** Workers' limits on a Worker's size after compression, and before it (developers.cloudflare.com/workers/platform/limits). */
export const SIZE_LIMITS = { free: 3 * MIB, paid: 10 * MIB, uncompressed: 64 * MIB };

/**
 * Code generation the bundle contains but never runs on Workers. Each entry is a source module and why.
 * Anything not listed fails the check.
 */
const ALLOWED = [
  {
    module: "node_modules/zod/v4/core/util.js",
    why: "zod's allowsEval() probe: it returns false before trying when the user agent is Cloudflare-Workers, and the try is caught",
  },
  {
    module: "node_modules/zod/v4/core/doc.js",
    why: "zod's JIT compiler for object schemas, used only when allowsEval() is true (never on Workers)",
  },
  {
    module: "node_modules/zod/v4/core/compile.js",
    why: "zod's opt-in z.compile(), which FlowRunner never calls (and which catches its own failure)",
  },
];

const NODE_BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith("_")));

/** Runs the dry-run deploy into `outdir`; returns wrangler's output. Throws when wrangler fails. */
function dryRun(outdir) {
  const build = spawnSync(process.execPath, [path.join(root, "scripts", "build-dashboard.mjs"), "--if-stale"], {
    cwd: root,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`building the dashboard failed:\n${build.stdout}${build.stderr}`);
  const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  const result = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "true" },
  });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${output}`);
  return output;
}

/** The source module of each line of an esbuild bundle, from its `// path` markers. */
function moduleAt(text) {
  const markers = [];
  const pattern = /^\/\/ ((?:node_modules|src)\/\S+)$/gm;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) markers.push({ at: match.index, module: match[1] });
  return (position) => {
    let lo = 0;
    let hi = markers.length - 1;
    let found = "(unknown module)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (markers[mid].at <= position) {
        found = markers[mid].module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** Every place a bundle generates code from strings or imports a Node.js built-in. */
export function scanBundle(text) {
  const source = ts.createSourceFile("index.js", text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const moduleOf = moduleAt(text);
  const codegen = [];
  const builtins = [];
  const where = (node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return { line: line + 1, module: moduleOf(node.getStart(source)) };
  };
  const isGlobal = (node, name) => ts.isIdentifier(node) && node.text === name;
  const specifier = (node) => (node && ts.isStringLiteralLike(node) ? node.text : null);
  const noteImport = (node, spec) => {
    if (spec === null) return;
    const bare = spec.startsWith("node:") ? spec.slice(5) : spec;
    if (spec.startsWith("node:") || NODE_BUILTINS.has(bare.split("/")[0])) builtins.push({ ...where(node), specifier: spec });
  };
  const visit = (node) => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const callee = node.expression;
      if (isGlobal(callee, "eval") || isGlobal(callee, "Function")) {
        codegen.push({ ...where(node), code: `${ts.isNewExpression(node) ? "new " : ""}${callee.text}(…)` });
      }
      if (ts.isCallExpression(node) && isGlobal(callee, "require")) noteImport(node, specifier(node.arguments[0]));
      if (ts.isCallExpression(node) && callee.kind === ts.SyntaxKind.ImportKeyword) noteImport(node, specifier(node.arguments[0]));
    } else if (
      ts.isVariableDeclaration(node) &&
      node.initializer &&
      (isGlobal(node.initializer, "Function") || isGlobal(node.initializer, "eval"))
    ) {
      codegen.push({ ...where(node), code: `${node.name.getText(source)} = ${node.initializer.text}` });
    } else if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      noteImport(node, specifier(node.moduleSpecifier));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { codegen, builtins };
}

function hasNodejsCompat() {
  const config = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const flags = config.match(/^compatibility_flags\s*=\s*\[([^\]]*)\]/m)?.[1] ?? "";
  return /"nodejs_compat(?:_v2)?"/.test(flags);
}

/** Bundles the Worker and checks it; never throws for a failed check, only for a failed build. */
export function deployCheck({ plan = "free", outdir } = {}) {
  const dir = outdir ?? mkdtempSync(path.join(os.tmpdir(), "flowrunner-deploy-"));
  try {
    const output = dryRun(dir);
    const files = readdirSync(dir).filter((name) => !name.endsWith(".map") && name !== "README.md");
    let raw = 0;
    let gzip = 0;
    const modules = [];
    for (const name of files) {
      const bytes = readFileSync(path.join(dir, name));
      const compressed = gzipSync(bytes, { level: 9 }).length;
      raw += statSync(path.join(dir, name)).size;
      gzip += compressed;
      modules.push({ name: name.endsWith("-wasm") ? "quickjs.wasm" : name, bytes: bytes.length, gzip: compressed });
    }
    const reported = output.match(/Total Upload:\s*([\d.]+) KiB \/ gzip:\s*([\d.]+) KiB/);
    const { codegen, builtins } = scanBundle(readFileSync(path.join(dir, "index.js"), "utf8"));
    const allowed = new Map(ALLOWED.map((entry) => [entry.module, entry.why]));
    const problems = [];
    const limit = SIZE_LIMITS[plan];
    if (gzip > limit) problems.push(`compressed size ${mib(gzip)} exceeds the ${plan} plan's limit of ${mib(limit)}`);
    if (raw > SIZE_LIMITS.uncompressed) problems.push(`uncompressed size ${mib(raw)} exceeds ${mib(SIZE_LIMITS.uncompressed)}`);
    for (const site of codegen) {
      if (!allowed.has(site.module))
        problems.push(`code generation ${site.code} at index.js:${site.line} (${site.module}); Workers refuse it`);
    }
    if (!hasNodejsCompat()) {
      for (const site of builtins)
        problems.push(`imports ${site.specifier} at index.js:${site.line} (${site.module}) without the nodejs_compat flag`);
    }
    return {
      ok: problems.length === 0,
      plan,
      size: {
        bytes: raw,
        gzip,
        limit,
        wrangler: reported ? { kib: Number(reported[1]), gzip_kib: Number(reported[2]) } : null,
      },
      modules,
      codegen: codegen.map((site) => ({ ...site, allowed: allowed.get(site.module) ?? null })),
      builtins,
      problems,
    };
  } finally {
    if (!outdir) rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (bytes) => `${(bytes / MIB).toFixed(2)} MiB`;

function main(argv) {
  const options = { plan: "free", outdir: undefined, json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--plan") options.plan = argv[++i];
    else if (argv[i] === "--outdir") options.outdir = path.resolve(argv[++i]);
    else if (argv[i] === "--json") options.json = true;
    else {
      console.error(`unknown argument: ${argv[i]} (usage: deploy-check.mjs [--plan free|paid] [--outdir <dir>] [--json])`);
      return 2;
    }
  }
  if (!(options.plan in SIZE_LIMITS) || options.plan === "uncompressed") {
    console.error(`--plan is free or paid, not ${options.plan}`);
    return 2;
  }
  const report = deployCheck(options);
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(
      `bundle: ${mib(report.size.bytes)}, ${mib(report.size.gzip)} compressed (limit ${mib(report.size.limit)}, ${report.plan} plan)`,
    );
    for (const module of report.modules) console.log(`  ${module.name}: ${mib(module.bytes)}, ${mib(module.gzip)} compressed`);
    for (const site of report.codegen.filter((s) => s.allowed)) console.log(`  allowed: ${site.code} in ${site.module} — ${site.allowed}`);
    for (const problem of report.problems) console.error(`✗ ${problem}`);
    console.log(
      report.ok ? "✓ the bundle deploys: within the size limit, no code generation, no Node.js built-ins" : "✗ deploy check failed",
    );
  }
  return report.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = main(process.argv.slice(2));
