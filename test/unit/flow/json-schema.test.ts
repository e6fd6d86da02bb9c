import { readFileSync } from "node:fs";
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { flowJsonSchema, getNodeType, NODE_TYPES } from "../../../src/flow";
import { DURATION_PATTERN } from "../../../src/flow/primitives";
import { parseDuration } from "../../../src/lib/duration";
import { fixture } from "./helpers";
import { matches, resolve } from "./json-schema-subset";
import type { JsonObject } from "./json-schema-subset";

const schema = flowJsonSchema() as JsonObject;
const accepts = (value: unknown) => matches(schema, schema, value);

describe("flowJsonSchema", () => {
  it("matches the committed docs/flow.schema.json", () => {
    const committed = readFileSync(new URL("../../../docs/flow.schema.json", import.meta.url), "utf8");
    expect(JSON.parse(committed), "docs/flow.schema.json is stale: run `npm run schema` and commit the result").toEqual(flowJsonSchema());
    expect(committed).toBe(`${JSON.stringify(flowJsonSchema(), null, 2)}\n`);
  });

  it("is draft 2020-12 and returns a fresh object each call", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    const copy = flowJsonSchema() as JsonObject;
    copy.title = "changed";
    expect((flowJsonSchema() as JsonObject).title).toBe("FlowRunner flow");
  });

  it("selects each node type's params with if/then", () => {
    expect(resolve(schema, "#/properties/nodes/additionalProperties/$ref")).toBe("#/$defs/node");
    expect(resolve(schema, "#/$defs/node/properties/type/enum")).toEqual([...NODE_TYPES]);
    const rules = resolve(schema, "#/$defs/node/allOf") as JsonObject[];
    expect(rules).toHaveLength(NODE_TYPES.length);
    NODE_TYPES.forEach((type, i) => {
      expect(resolve(rules[i]!, "#/if/properties/type/const")).toBe(type);
      expect(resolve(rules[i]!, "#/then/properties/params/$ref")).toBe(`#/$defs/params.${type}`);
      const params = resolve(schema, `#/$defs/params.${type}`) as JsonObject;
      expect(Object.keys(params.properties as JsonObject)).toEqual(getNodeType(type)!.paramNames);
      expect(params.additionalProperties).toBe(false);
    });
  });

  it("accepts every valid fixture", () => {
    for (const name of [
      "design-example.yaml",
      "ref-04-hello-world.yaml",
      "ref-05-data-transformation.yaml",
      "ref-07-simple-llm.yaml",
      "ref-08-sequential-llm.yaml",
      "ref-09-tool-router.yaml",
      "ref-10-tool-loop.yaml",
      "extra-email-processor.yaml",
    ]) {
      expect(accepts(parse(fixture(name))), name).toBe(true);
    }
  });

  it("rejects what validation rejects: unknown types, params and keys, wrong param types", () => {
    const base = (node: JsonObject) => ({ metadata: { name: "x" }, nodes: { a: node } });
    expect(accepts(base({ type: "delay", params: { duration: "5s" } }))).toBe(true);
    expect(accepts(base({ type: "delay", params: { duration: "5 s" } }))).toBe(false);
    expect(accepts(base({ type: "delay", params: { duration: "${input.wait}" } }))).toBe(true);
    expect(accepts(base({ type: "delay" }))).toBe(false);
    expect(accepts(base({ type: "notification" }))).toBe(false);
    expect(accepts(base({ type: "delay", params: { duration: 1, extra: 1 } }))).toBe(false);
    expect(accepts(base({ type: "delay", params: { duration: 1 }, nxt: {} }))).toBe(false);
    expect(accepts(base({ type: "http.request", params: { url: "u", follow_redirects: "yes" } }))).toBe(false);
    expect(accepts(base({ type: "http.request", params: { url: "u", follow_redirects: "${input.f}" } }))).toBe(true);
    expect(accepts(base({ type: "http.request", params: { url: "u", method: "FETCH" } }))).toBe(false);
    expect(accepts(base({ type: "delay", params: { duration: 1 }, retry: { max_retries: 2, wait: "1s" } }))).toBe(true);
    expect(accepts(base({ type: "delay", params: { duration: 1 }, batch: { strategy: "fanout" } }))).toBe(false);
  });

  it("its duration pattern agrees with parseDuration", () => {
    const durationish = fc
      .array(fc.constantFrom("0", "1", "25", ".", "5", "ms", "s", "m", "h", "d", " ", "x", "1.5", "h30m"), { maxLength: 8 })
      .map((parts) => parts.join(""));
    const pattern = new RegExp(DURATION_PATTERN);
    fc.assert(
      fc.property(durationish, (text) => {
        expect(pattern.test(text), JSON.stringify(text)).toBe(parseDuration(text) !== undefined);
      }),
      { numRuns: 2000 },
    );
  });
});
