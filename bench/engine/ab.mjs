#!/usr/bin/env node
/**
 * Before/after comparison of FlowRunner builds, both running at the same time so that the load on
 * a shared machine hits them alike.
 *
 *   node bench/engine/ab.mjs [--base <git ref>] [--after <git ref>] [--files a.ts,b.ts] [--runs N] [shape ...]
 *   node bench/engine/ab.mjs --base <git ref> --after-tree <git ref> [--runs N] [shape ...]
 *
 * "before" is the repository at `--base` (default HEAD); "after" is the same commit with the
 * working-tree version (or, with `--after <ref>`, that commit's version) of `--files` (default:
 * every file under src/engine and src/objects/execution that differs). Other uncommitted changes in the working tree
 * are left out of both. Each shape (default chain10 chain100 noop100) runs `--runs` times (default
 * 40) per build, taking turns; the output is p50/p99 per build and the after/before ratio. With
 * `--after-tree`, "after" is the whole repository at that ref (for changes that add, move or delete
 * files anywhere in src/).
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sequential } from "./load.mjs";
import { startHttpStandin } from "../../scripts/standins/http.mjs";
import { applyD1Migrations, build, prepare, root, startServer } from "./servers.mjs";
import { SHAPES, flowRunner } from "./systems.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args.splice(i, 2)[1];
};
const base = option("--base", "HEAD");
// With --after, "after" is that commit's version of the files instead of the working tree's.
const afterRef = option("--after", undefined);
const afterTree = option("--after-tree", undefined);
const runs = Number(option("--runs", "40"));
const git = (...a) => execFileSync("git", a, { cwd: root, encoding: "utf8" });
const files =
  option("--files", undefined)?.split(",") ??
  (afterRef
    ? git("diff", "--name-only", base, afterRef, "--", "src/engine", "src/objects/execution")
    : git("diff", "--name-only", base, "--", "src/engine", "src/objects/execution")
  )
    .split("\n")
    .filter(Boolean);
const shapes = args.length ? args : ["chain10", "chain100", "noop100"];
for (const s of shapes) if (!SHAPES[s]) throw new Error(`unknown shape ${s}`);

execFileSync(process.execPath, [path.join(root, "scripts", "build-dashboard.mjs"), "--if-stale"], { stdio: "inherit" });
const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-ab-"));
/** A copy of the repository at `base` (node_modules linked), optionally with working-tree files. */
async function snapshot(name, withFiles, tree = base) {
  const dir = path.join(tmp, name, "src-tree");
  await mkdir(dir, { recursive: true });
  execFileSync("sh", ["-c", `git archive ${tree} | tar -x -C "${dir}"`], { cwd: root });
  await symlink(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  // wrangler.toml serves the dashboard's built files ([assets]); the repository's build stands in for
  // the snapshot's (they do not touch the API's hot path).
  await mkdir(path.join(dir, "dist"), { recursive: true });
  await symlink(path.join(root, "dist", "dashboard"), path.join(dir, "dist", "dashboard"));
  for (const file of withFiles) {
    if (afterRef) await writeFile(path.join(dir, file), git("show", `${afterRef}:${file}`));
    else await copyFile(path.join(root, file), path.join(dir, file));
  }
  const prepared = await prepare(name, path.join(dir, "wrangler.toml"), path.join(tmp, name), {
    RATE_LIMIT_REQUESTS: "0",
    OUTBOUND_PRIVATE_NETWORK: "allow",
  });
  await Promise.all([build(prepared), applyD1Migrations(prepared)]);
  return startServer(prepared);
}

console.error(
  afterTree
    ? `before: ${base}; after: ${afterTree}`
    : `before: ${base}; after: ${base} + ${afterRef ? `${afterRef}'s ` : ""}${files.join(", ") || "(no files)"}`,
);
let servers = [];
// The realistic shape's HTTP step calls it.
const http = await startHttpStandin();
try {
  servers = await Promise.all([snapshot("before", []), afterTree ? snapshot("after", [], afterTree) : snapshot("after", files)]);
  const systems = servers.map((server) => ({ ...flowRunner(server, { httpBase: http.url }), id: server.name }));
  for (const s of systems) await s.setup(shapes);
  for (const shape of shapes) {
    const [before, after] = await sequential(systems, shape, runs, { warmup: 3 });
    const line = (r) =>
      `p50 ${r.p50.toFixed(1)} / p99 ${r.p99.toFixed(1)} ms, CPU ${r.cpuMsPerRun} ms/run${r.errors ? `, ${r.errors} errors` : ""}`;
    console.log(`${SHAPES[shape].label} (${runs} runs each, load ${before.load.join("→")}):`);
    console.log(`  before ${line(before)}`);
    console.log(`  after  ${line(after)}`);
    console.log(`  after/before p50 ${(after.p50 / before.p50).toFixed(3)}, CPU ${(after.cpuMsPerRun / before.cpuMsPerRun).toFixed(3)}`);
  }
} finally {
  await Promise.all([...servers.map((s) => s.stop()), http.close()]);
  await rm(tmp, { recursive: true, force: true });
}
