import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

// The flow language, engine, node lifecycle, expressions and sandbox unchanged on Deno (npm `deno`).
it("runs a small flow under Deno", async () => {
  const { stdout } = await promisify(execFile)(
    `${root}node_modules/.bin/deno`,
    ["run", "--no-lock", "--unstable-sloppy-imports", "--allow-read", "--allow-env", "test/deno/smoke.ts"],
    { cwd: root, timeout: 60_000, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } },
  );
  expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({
    runtime: "deno",
    status: "completed",
    output: "Ada spends 105",
    steps: ["total", "size", "big", "label"],
  });
}, 90_000);
