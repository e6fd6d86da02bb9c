/**
 * Writes docs/flow.schema.json from the flow language's zod schemas.
 * Run: npm run schema  (node --experimental-strip-types scripts/generate-schema.ts)
 *
 * The sources use extensionless imports (bundler resolution), which Node's
 * own resolver rejects; a resolve hook retries such specifiers with ".ts", so
 * the script needs nothing beyond Node 22.
 */
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import type * as JsonSchemaModule from "../src/flow/json-schema";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith(".") || /\.[cm]?[jt]s$/.test(specifier)) throw error;
      try {
        return nextResolve(`${specifier}.ts`, context);
      } catch {
        return nextResolve(`${specifier}/index.ts`, context);
      }
    }
  },
});

// A URL rather than a literal ".ts" specifier, which tsc would reject.
const moduleUrl = new URL("../src/flow/json-schema.ts", import.meta.url).href;
const { flowJsonSchema } = (await import(moduleUrl)) as typeof JsonSchemaModule;
const target = new URL("../docs/flow.schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(flowJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
