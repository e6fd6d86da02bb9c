/** docs/flow-language.md must stay true to the code: every type, param, action and code, and its examples. */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FLOW_ERROR_CODES, FLOW_WARNING_CODES, getNodeType, NODE_TYPES, validateFlow } from "../../../src/flow";

const docs = readFileSync(new URL("../../../docs/flow-language.md", import.meta.url), "utf8");

/** The text between `### \`type\`` and the next heading. */
function typeSection(type: string): string {
  const start = docs.indexOf(`### \`${type}\`\n`);
  expect(start, `docs/flow-language.md has no section for ${type}`).toBeGreaterThanOrEqual(0);
  const rest = docs.slice(start + 1);
  const end = rest.search(/\n##+ /);
  return end === -1 ? rest : rest.slice(0, end);
}

function tableCodes(heading: string): string[] {
  const start = docs.indexOf(`### ${heading}\n`);
  const section = docs.slice(start, docs.indexOf("\n### ", start + 1));
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
}

function sourceFiles(dir: URL): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(new URL(`${entry.name}/`, dir)) : [readFileSync(new URL(entry.name, dir), "utf8")],
  );
}

describe("docs/flow-language.md", () => {
  it.each([...NODE_TYPES])("documents %s: every param, in order, and its actions", (type) => {
    const spec = getNodeType(type)!;
    const section = typeSection(type);
    const params = [...section.matchAll(/^\| `([A-Za-z_]+)` \|/gm)].map((m) => m[1]);
    expect(params).toEqual(spec.paramNames);
    const actions = section.match(/^\*\*Actions:\*\* (.*)$/m)?.[1] ?? "";
    for (const action of spec.actions) expect(actions).toContain(`\`${action}\``);
  });

  it("documents every error and warning code, and no others", () => {
    expect(tableCodes("Errors")).toEqual([...FLOW_ERROR_CODES]);
    expect(tableCodes("Warnings")).toEqual([...FLOW_WARNING_CODES]);
  });

  it("lists every code the validator can emit", () => {
    const known = new Set<string>([...FLOW_ERROR_CODES, ...FLOW_WARNING_CODES]);
    const sources = sourceFiles(new URL("../../../src/flow/", import.meta.url)).join("\n");
    const used = [
      ...sources.matchAll(/\b(?:error|warn|issueAt|failure)\(\s*"([a-z_]+)"/g),
      ...sources.matchAll(/\[FLOW_CODE\]: "([a-z_]+)"/g),
      ...sources.matchAll(/\b(?:code|unknownKey|missing|invalid): "([a-z_]+)"/g),
      ...sources.matchAll(/checkSetting\([^,]+, "[a-z]+", "([a-z_]+)"/g),
    ].map((m) => m[1]!);
    // zod's own issue codes appear as `code: "..."` too; they never reach a FlowIssue.
    const zodCodes = new Set(["custom", "invalid_type"]);
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((code) => !known.has(code) && !zodCodes.has(code))).toEqual([]);
  });

  it("has only valid flows in its examples", () => {
    const examples = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((block) => block.includes("metadata:"));
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const result = validateFlow(example);
      expect(result.errors, example).toEqual([]);
      // Examples document every type, including those this server cannot run yet.
      expect(
        result.warnings.filter((w) => w.code !== "node_not_runnable"),
        example,
      ).toEqual([]);
    }
  });
});
