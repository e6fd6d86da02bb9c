/**
 * Stands in for `ajv` and `ajv-formats` in the deployed bundle (wrangler.toml `[alias]`).
 *
 * The MCP SDK's client and server import Ajv for their default JSON Schema validator, which compiles
 * schemas with `new Function` — refused by Workers at run time. FlowRunner always hands the SDK the
 * `@cfworker/json-schema` validator instead, so Ajv is never constructed; aliasing it away keeps
 * code generation out of the bundle (checked by `npm run deploy:check`) and drops two copies of Ajv.
 */
export default function ajvUnavailable(): never {
  throw new Error("Ajv is not part of the FlowRunner bundle; pass a jsonSchemaValidator (see src/nodes/mcp/client.ts)");
}
