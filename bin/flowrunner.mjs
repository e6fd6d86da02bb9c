#!/usr/bin/env node
// The `flowrunner` command. The CLI is TypeScript in src/cli, built to
// dist/cli.mjs when the package is installed (npm install / npm ci).
import { existsSync } from "node:fs";
import module from "node:module";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/cli.mjs", import.meta.url);
if (Number(process.versions.node.split(".")[0]) < 20) {
  console.error(`flowrunner needs Node.js 20 or later (this is ${process.version})`);
  process.exit(3);
}
if (!existsSync(fileURLToPath(cli))) {
  console.error(
    `flowrunner: the CLI is not built; run 'npm install' or 'npm run build:cli' in ${fileURLToPath(new URL("..", import.meta.url))}`,
  );
  process.exit(3);
}
// Node 22.1+ can cache compiled code between runs: a faster start for every command.
module.enableCompileCache?.();
await import(cli.href);
