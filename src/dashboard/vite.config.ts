/**
 * The dashboard's build: a single-page app in `dist/dashboard/`, which wrangler.toml's `[assets]` serves.
 * Swagger UI's files are copied beside it so the `/docs` page works offline (src/routes/docs.ts).
 */
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { createRequire } from "node:module";
import { defineConfig, type Plugin } from "vite";

const root = import.meta.dirname;
const outDir = path.resolve(root, "../../dist/dashboard");

function swaggerUi(): Plugin {
  return {
    name: "flowrunner-swagger-ui",
    apply: "build",
    async writeBundle() {
      const dist = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
      await mkdir(path.join(outDir, "swagger"), { recursive: true });
      for (const file of ["swagger-ui.css", "swagger-ui-bundle.js"]) {
        await copyFile(path.join(dist, file), path.join(outDir, "swagger", file));
      }
    },
  };
}

/** codemirror-json-schema's markdown renderer, replaced by escaped plain text (components/flows/schema-text.ts). */
function plainSchemaText(): Plugin {
  const replacement = path.join(root, "components/flows/schema-text.ts");
  return {
    name: "flowrunner-plain-schema-text",
    enforce: "pre",
    resolveId(source, importer) {
      if (source === "../utils/markdown" && importer?.includes(`${path.sep}codemirror-json-schema${path.sep}`)) return replacement;
      return null;
    },
  };
}

export default defineConfig({
  root,
  base: "/",
  publicDir: path.join(root, "public"),
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // The first load stays small; the editor (CodeMirror) and the graph layout come as their own chunks.
    chunkSizeWarningLimit: 1000,
  },
  plugins: [plainSchemaText(), swaggerUi()],
});
