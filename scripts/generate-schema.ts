/**
 * Writes docs/flow.schema.json from the flow language's zod schemas.
 * Run: npm run schema (Node 22 with --experimental-strip-types and the resolve hook of
 * scripts/ts-imports.mjs, as the other TypeScript scripts run).
 */
import { writeFileSync } from "node:fs";
import { flowJsonSchema } from "../src/flow/json-schema";

const target = new URL("../docs/flow.schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(flowJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
