/**
 * Hostile documents as text: each class is one a fuzz of the API or a hand check found costly or
 * breaking, built at any size. The fuzz suites (test/helpers/hostile.ts) and the validator
 * benchmark (bench/validator) send the same ones.
 */
const lines = (count, line) => Array.from({ length: count }, (_, i) => line(i)).join("\n");
const delay = "{type: delay, params: {duration: 1s}}";

export const VALID_FLOW = `metadata: {name: fuzz, tags: [a]}\nnodes:\n  a: {type: transform, params: {script: "return input"}, next: {default: b}}\n  b: ${delay}\n`;

/** An alias flood: one anchor, `count` aliases to it. */
export const aliasFlood = (count) => `metadata: {name: x}\nx: &a 1\n${lines(count, (i) => `k${i}: *a`)}\n`;

/** "Billion laughs": each level is a list of `width` aliases to the level before. */
export function laughs(levels, width) {
  const out = [`l0: &l0 [${Array(width).fill("x").join(", ")}]`];
  for (let i = 1; i < levels; i++)
    out.push(
      `l${i}: &l${i} [${Array(width)
        .fill(`*l${i - 1}`)
        .join(", ")}]`,
    );
  return `${out.join("\n")}\n`;
}

export const CIRCULAR = [
  "metadata: &m {name: fz, me: *m}\nnodes:\n  a: {type: delay}\n",
  "a: &a [*a]\n",
  "a: &a {b: {c: [1, *a]}}\n",
  "nodes:\n  a: &n\n    type: delay\n    next: {default: *n}\n",
];

/** Nesting `depth` levels deep in one of the ways YAML allows. */
export function deepYaml(kind, depth) {
  switch (kind) {
    case "flow":
      return `metadata: {name: x, d: ${"[".repeat(depth)}${"]".repeat(depth)}}\nnodes: {a: ${delay}}\n`;
    case "block":
      return `${lines(Math.min(depth, 1_400), (i) => `${" ".repeat(i)}k:`)} 1\n`;
    case "compact":
      return `${"- ".repeat(depth)}x\n`;
    default:
      return `${"? ".repeat(depth)}x\n`;
  }
}

/** A flow of `count` nodes in a chain, in flow style (the densest in tokens per byte). */
export const manyNodes = (count, idPrefix = "n") =>
  `metadata: {name: many}\nnodes:\n${lines(count, (i) => `  ${idPrefix}${i}: {type: delay, params: {duration: 1s}${i + 1 < count ? `, next: {default: ${idPrefix}${i + 1}}` : ""}}`)}\n`;

/** `count` edges to missing nodes whose ids resemble every one of `count` ids `idLength` long. */
export function danglingEdges(count, idLength) {
  const stem = "n".repeat(Math.max(1, idLength - 6));
  return `metadata: {name: dangling}\nnodes:\n${lines(count, (i) => `  ${stem}${i}: {type: delay, params: {duration: 1s}, next: {default: ${stem}x${i}}}`)}\n`;
}

export const duplicateKeys = (count) => `metadata: {name: d}\nnodes:\n${lines(count, () => `  a: ${delay}`)}\n`;

/** Nested JSON text (arrays or objects), `depth` levels deep, unparsed. */
export const deepJson = (depth, object = false) =>
  object ? `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}` : `${"[".repeat(depth)}${"]".repeat(depth)}`;
