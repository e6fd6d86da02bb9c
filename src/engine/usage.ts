/**
 * Metering: what a step consumed of something counted (model tokens, say), as named counters. A node
 * reports it through `ctx.addUsage`; the engine keeps the attempt's total on its step record and the
 * run's usage is the sum over its steps. The engine does not know what the counters mean.
 */

/** Counter name → amount, e.g. `{prompt_tokens: 12, completion_tokens: 30, total_tokens: 42}`. */
export type Usage = Record<string, number>;

const COUNTER_NAME = /^[a-z][a-z0-9_.]{0,63}$/;

/**
 * The counters of `reported` worth keeping: names of 1 to 64 characters of `a-z`, `0-9`, `_` and `.`
 * (starting with a letter), finite amounts ≥ 0. Anything else is left out rather than failing a step
 * whose real work succeeded.
 */
export function cleanUsage(reported: Readonly<Record<string, unknown>>): Usage {
  const clean: Usage = {};
  for (const [name, amount] of Object.entries(reported)) {
    if (COUNTER_NAME.test(name) && typeof amount === "number" && Number.isFinite(amount) && amount >= 0) clean[name] = amount;
  }
  return clean;
}

/** `into` plus `more`, counter by counter (a new object). */
export function addUsage(into: Readonly<Usage>, more: Readonly<Usage>): Usage {
  const sum: Usage = { ...into };
  for (const [name, amount] of Object.entries(more)) sum[name] = (sum[name] ?? 0) + amount;
  return sum;
}
