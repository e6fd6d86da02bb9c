// Lets Node (22, with --experimental-strip-types) run the project's TypeScript
// sources, which use extensionless imports (bundler resolution): a resolve
// hook retries a relative specifier that does not resolve with ".ts".
// Use: node --experimental-strip-types --import ./scripts/ts-imports.mjs scripts/x.ts
import { registerHooks } from "node:module";

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
