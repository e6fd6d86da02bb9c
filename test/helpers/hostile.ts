/** Hostile YAML and JSON as fast-check arbitraries, over the documents of hostile-documents.mjs. */
import fc from "fast-check";
import {
  aliasFlood,
  CIRCULAR,
  danglingEdges,
  deepJson,
  deepYaml,
  duplicateKeys,
  laughs,
  manyNodes,
  VALID_FLOW,
} from "./hostile-documents.mjs";

/** Mutations of a valid flow: tabs, CRLF, odd characters, truncation. */
const mutated = fc
  .tuple(
    fc.constantFrom(
      "\t",
      "\r\n",
      "\r",
      "\u0000",
      "\ud800",
      "\ufeff",
      "\u2028",
      "\u0085",
      "\\0",
      "&a ",
      "*a",
      "<<: *a",
      "!!binary ",
      "%YAML 1.1\n",
      "---\n",
      "...\n",
      "'",
      '"',
      "{",
      "]",
      "#",
    ),
    fc.nat(),
    fc.boolean(),
  )
  .map(([piece, at, truncate]) => {
    const i = at % VALID_FLOW.length;
    const text = VALID_FLOW.slice(0, i) + piece + VALID_FLOW.slice(i);
    return truncate ? text.slice(0, i + piece.length) : text;
  });

/**
 * Hostile YAML: small generated mutations most of the time, and now and then
 * one of the large classes (alias floods, laughs, cycles, deep, wide, long).
 */
export const hostileYaml: fc.Arbitrary<string> = fc.oneof(
  { weight: 20, arbitrary: mutated },
  { weight: 4, arbitrary: fc.constantFrom(...CIRCULAR) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 6_000 }).map(aliasFlood) },
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 12 })).map(([l, w]) => laughs(l, w)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom("flow", "block", "compact", "explicit" as const), fc.integer({ min: 1, max: 100_000 }))
      .map(([k, d]) => deepYaml(k, d)),
  },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 10_000 }).map((n) => manyNodes(n)) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 8, max: 200 })).map(([n, l]) => danglingEdges(n, l)),
  },
  { weight: 2, arbitrary: fc.integer({ min: 2, max: 3_000 }).map(duplicateKeys) },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 1, max: 300_000 })
      .map((n) => `metadata: {name: "${"x".repeat(n)}"}\nnodes: {a: {type: delay, params: {duration: 1s}}}\n`),
  },
  { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
);

/** A string that JSON.stringify writes with escapes for what storage cannot keep. */
const oddString = fc.constantFrom("\u0000", "a\u0000b", "\ud800", "\udfff x", "\ud83d\ude00", "\u2028", "\ufeff", "", "x".repeat(2_000));
const extremeNumber = fc.constantFrom("1e400", "-1e400", "1e-400", "-0", "123456789012345678901234567890", "0.1e99999", "1E+308");

/** Hostile JSON text: deep, odd strings, extreme numbers, broken, or just any value. */
export const hostileJson: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 1, max: 100_000 }), fc.boolean()).map(([d, o]) => deepJson(d, o)) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.dictionary(oddString, oddString, { maxKeys: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: extremeNumber.map((n) => `{"n": ${n}, "list": [${n}]}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{"a": ', "[1,]", "{'a': 1}", '"\u0001"', "nul", "\u0000", "", " ", "{}{}", '{"__proto__": {"x": 1}}'),
  },
);
