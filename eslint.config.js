import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/", "**/.wrangler/", "**/dist/", "docs/", "coverage/", "bench-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  // Layering: dependencies point one way (docs/architecture.md).
  ...[
    { files: ["src/services/**", "src/cli/**"], forbidden: ["objects"] },
    { files: ["src/engine/**"], forbidden: ["nodes", "sandbox"] },
    { files: ["src/flow/**"], forbidden: ["engine", "objects"] },
  ].map(({ files, forbidden }) => ({
    files,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: forbidden.map((folder) => ({
            group: [`**/${folder}/*`, `**/${folder}`],
            message: `${files[0]} never imports src/${folder}/`,
          })),
        },
      ],
    },
  })),
  {
    // The dashboard renders user data (flow names, outputs, logs) as text only: markup from the API must
    // never become DOM.
    files: ["src/dashboard/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: "Render user data as text" },
        { selector: "AssignmentExpression[left.property.name=/^(innerHTML|outerHTML)$/]", message: "Render user data as text" },
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: "Render user data as text" },
      ],
    },
  },
  {
    // Every promise in the product code is awaited, returned or handed to something that keeps it
    // (waitUntil, a queue): a forgotten one is a write or a failure nobody waits for.
    files: ["src/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: false }] },
  },
  {
    files: ["**/*.mjs", "scripts/**", "bench/**"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        URL: "readonly",
        fetch: "readonly",
        performance: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
      },
    },
  },
);
