import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENTRIES, isGroup } from "../../src/cli/main";
import { root } from "./helpers";

const docs = readFileSync(path.join(root, "docs/cli.md"), "utf8");
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const commands = ENTRIES.flatMap((e) => (isGroup(e) ? e.commands.map((c) => [`${e.name} ${c.name}`, c] as const) : [[e.name, e] as const]));

describe("docs/cli.md", () => {
  it.each(commands)("documents `flowrunner %s` and each of its options", (name, command) => {
    const start = docs.indexOf(`### \`flowrunner ${name}\``);
    expect(start, name).toBeGreaterThan(0);
    const end = docs.indexOf("\n### ", start + 1);
    const section = docs.slice(start, end === -1 ? undefined : end);
    for (const option of Object.keys(command.options ?? {})) expect(section, `${name} --${option}`).toContain(`--${option}`);
  });

  it("is linked from the README, which shows the walk-through with the CLI", () => {
    expect(readme).toContain("[docs/cli.md](docs/cli.md)");
    expect(readme).toContain("## With the CLI");
  });
});
