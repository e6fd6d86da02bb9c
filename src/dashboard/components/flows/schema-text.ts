/**
 * Stands in for codemirror-json-schema's `utils/markdown` (see vite.config.ts): that module renders the
 * schema's descriptions with markdown-it and shiki and hands the HTML to `innerHTML`. Descriptions are
 * plain text here, so they are escaped instead: no markup from a schema (a plugin's manifest is user
 * data) reaches the DOM, and the editor's chunk loses two libraries.
 */
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function renderMarkdown(text: string): string {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
