import { describe, expect, it } from "vitest";
import { type PluginManifest, pluginManifestSchema } from "../../../src/plugins/contract";
import { createJsPluginRuntime } from "../../../src/plugins/js/runtime";
import { nodeModuleFactory } from "../../helpers/quickjs-node";

const plugins = createJsPluginRuntime(nodeModuleFactory);

const manifest: PluginManifest = pluginManifestSchema.parse({
  name: "chat",
  version: "1.0.0",
  nodes: { post_message: {}, list_channels: {} },
});

const good = `const BASE = "https://chat.example";
export async function post_message({ params, http }) {
  const res = await http.fetch(BASE + "/post", { method: "POST", body: JSON.stringify({ text: params.text }) });
  return { output: { status: res.status } };
}
export function list_channels() { return { output: [] } }`;

describe("checkJsPlugin", () => {
  it("accepts a source with one function per declared node", async () => {
    expect(await plugins.check(good, manifest)).toEqual([]);
  });

  it("reports a syntax error with its line and column", async () => {
    const source = `export async function post_message() {\n  return { output: 1 }\n}\nexport function list_channels() {\n  return { output: 1 +* 2 }\n}`;
    const problems = await plugins.check(source, manifest);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ message: expect.stringMatching(/^SyntaxError: /), line: 5, column: 23 });
  });

  it("reports a declared node without a function", async () => {
    const source = `export async function post_message() { return { output: 1 } }`;
    expect(await plugins.check(source, manifest)).toEqual([
      { message: "The manifest declares node list_channels, but the source exports no function list_channels" },
    ]);
  });

  it("reports an export that is not a declared node, and one that is not a function", async () => {
    const source = `${good}\nexport const list_users = 1;\nexport default function () {}`;
    const problems = (
      await plugins.check(source.replace("export function list_channels", "export const list_channels = 2; function unused"), manifest)
    ).map((p) => p.message);
    expect(problems).toEqual([
      "The export list_channels is a number, not a function",
      // A module namespace lists its exports in code-point order.
      "The source exports default, which is not a node of the manifest (export only node functions)",
      "The source exports list_users, which is not a node of the manifest (export only node functions)",
    ]);
  });

  it("refuses imports, pointing at the import", async () => {
    const source = `// chat plugin\nimport { helper } from "./helper.js";\n${good}`;
    expect(await plugins.check(source, manifest)).toEqual([
      { message: expect.stringContaining("imports are not supported"), line: 2, column: 1 },
    ]);
  });

  it("reports top-level code that throws, with its position, and top-level code that never ends", async () => {
    const throwing = await plugins.check(`${good}\nconst config = JSON.parse("{oops");`, manifest);
    expect(throwing).toEqual([
      { message: expect.stringMatching(/^The module's top-level code failed: SyntaxError/), line: 7, column: expect.any(Number) },
    ]);
    const endless = await plugins.check(`${good}\nwhile (true) {}`, manifest);
    expect(endless).toEqual([{ message: expect.stringContaining("instruction budget") }]);
  });
});
