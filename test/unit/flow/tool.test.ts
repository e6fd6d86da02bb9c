/** A flow as a tool: the metadata that opts it in and describes its arguments, and the names it gets. */
import { describe, expect, it } from "vitest";
import { flowInputSchema, flowToolDescription, flowToolName, isMcpTool, validateFlow, type FlowMetadata } from "../../../src/flow";

const flow = (metadata: string) => `metadata: ${metadata}\nnodes:\n  a: {type: transform, params: {script: "return 1"}}\n`;

describe("metadata.mcp and metadata.input_schema", () => {
  it("accept an opt-in with a name, a description and an object input schema", () => {
    const result = validateFlow(
      flow(
        `{name: Order sync, mcp: {tool: true, name: sync-orders, description: Syncs}, input_schema: {type: object, properties: {since: {type: string}}, required: [since]}}`,
      ),
    );
    expect(result.errors).toEqual([]);
    const metadata = result.flow!.metadata;
    expect(isMcpTool(metadata)).toBe(true);
    expect(flowToolName(metadata)).toBe("sync-orders");
    expect(flowToolDescription(metadata)).toBe("Syncs");
    expect(flowInputSchema(metadata)).toEqual({ type: "object", properties: { since: { type: "string" } }, required: ["since"] });
  });

  it.each([
    ["{name: x, mcp: {tool: yes}}", "metadata.mcp.tool"],
    ["{name: x, mcp: {tool: true, name: 'has spaces'}}", "metadata.mcp.name: must be 1 to 64 letters, digits, _ or -"],
    ["{name: x, mcp: {tool: true, expose: all}}", "unknown key 'expose' in metadata.mcp"],
    ["{name: x, input_schema: {type: string}}", "metadata.input_schema.type: must be an object schema (type: object)"],
    ["{name: x, input_schema: {type: object, required: name}}", "metadata.input_schema.required"],
  ])("refuse %s with invalid_metadata at the key", (metadata, message) => {
    const result = validateFlow(flow(metadata));
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: "invalid_metadata", message: expect.stringContaining(message), line: 1 });
  });
});

describe("a flow's tool name", () => {
  const named = (name: string): FlowMetadata => ({ name });

  it("is the flow's name in snake_case, accents and punctuation dropped, at most 64 characters", () => {
    expect(flowToolName(named("Order sync"))).toBe("order_sync");
    expect(flowToolName(named("  Créer la facture (v2)! "))).toBe("creer_la_facture_v2");
    expect(flowToolName(named("x".repeat(80)))).toHaveLength(64);
    expect(flowToolName(named("日本語"))).toBe("flow");
  });

  it("describes a flow without a description by its name, and takes any object without an input schema", () => {
    expect(flowToolDescription(named("Nightly"))).toBe('Runs the flow "Nightly"');
    expect(flowToolDescription({ name: "N", description: "Does it" })).toBe("Does it");
    expect(flowInputSchema(named("N"))).toEqual({ type: "object", additionalProperties: true });
    expect(isMcpTool(named("N"))).toBe(false);
    expect(isMcpTool({ name: "N", mcp: { tool: false } })).toBe(false);
  });
});
