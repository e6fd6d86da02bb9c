// Builds the `flowrunner` CLI (src/cli, TypeScript) into one ES module,
// dist/cli.mjs (plus chunks), that plain Node 20+ runs; bin/flowrunner.mjs imports it.
// Runs on `npm install` (the `prepare` script) and `npm run build:cli`.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

rmSync(new URL("../dist/chunks", import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: "src/cli/index.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  // The flow validator (zod, yaml) is a chunk loaded only by the commands that need it.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
  banner: {
    // Some dependencies (yaml's Node build) are CommonJS and require Node built-ins.
    js: [
      "// Built from src/cli by scripts/build-cli.mjs: edit the sources, not this file.",
      'import { createRequire as __createRequire } from "node:module";',
      "const require = __createRequire(import.meta.url);",
    ].join("\n"),
  },
});
