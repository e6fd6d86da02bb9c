// Builds the dashboard (src/dashboard/, Vite) into dist/dashboard/, which wrangler.toml's [assets]
// serves. With --if-stale it builds only when a source file, the lockfile or this script is newer
// than the last build, so `npm start` and `npm test` stay quick when nothing changed. Every file under
// src/ counts: the dashboard also bundles a few plain modules of the server (lists such as the
// execution statuses and the audit actions).
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "src/dashboard");
const stamp = path.join(root, "dist/.dashboard-built");

function newest(target) {
  const info = statSync(target);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(target).map((entry) => newest(path.join(target, entry))));
}

const stale = () =>
  !existsSync(stamp) ||
  Math.max(
    newest(path.join(root, "src")),
    statSync(path.join(root, "package-lock.json")).mtimeMs,
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
  ) > statSync(stamp).mtimeMs;

if (process.argv.includes("--if-stale") && !stale()) process.exit(0);

const { build } = await import("vite");
const started = performance.now();
await build({ configFile: path.join(source, "vite.config.ts"), logLevel: "warn" });
writeFileSync(stamp, new Date().toISOString());
console.log(`dashboard built in ${((performance.now() - started) / 1000).toFixed(1)} s (dist/dashboard/)`);
