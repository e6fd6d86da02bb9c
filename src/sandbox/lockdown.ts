/**
 * Turns a context into one that several calls can share: every built-in it can reach is frozen, the
 * global object's own built-in properties become read-only and permanent, and what is left is a
 * `reset` function that deletes every global a call added. Evaluated once per shared context (it
 * walks about 550 objects: ≈ 5–7 ms of QuickJS), so it is only worth it for a key that makes many calls.
 *
 * Hidden intrinsics (iterator and generator prototypes, the async and generator function
 * constructors) are not reachable from the global object by property walks, so they are added as
 * roots by making an instance of each. `reset` returns how many globals it could not delete (one a
 * call made non-configurable, or a built-in pushed out of its place), so the host can give up on
 * the context instead of trusting it.
 */
export const LOCKDOWN_FILENAME = "lockdown.js";

export const LOCKDOWN_SOURCE = String.raw`(function () {
  "use strict";
  const { freeze, getPrototypeOf, getOwnPropertyDescriptor, getOwnPropertyDescriptors, defineProperty } = Object;
  const { ownKeys, deleteProperty } = Reflect;
  const global = globalThis;
  const roots = [global];
  const hidden = [
    () => getPrototypeOf([][Symbol.iterator]()),
    () => getPrototypeOf(""[Symbol.iterator]()),
    () => getPrototypeOf(new Map().entries()),
    () => getPrototypeOf(new Set().values()),
    () => getPrototypeOf(/a/[Symbol.matchAll]("")),
    () => getPrototypeOf([].values().map((x) => x)),
    () => getPrototypeOf(Iterator.from({ next() { return { done: true }; } })),
    () => function* () {},
    () => (function* () {})(),
    () => async function () {},
    () => async function* () {},
    () => (async function* () {})(),
    () => async () => {},
  ];
  for (const make of hidden) {
    try {
      roots.push(make());
    } catch (e) {
      // a built-in this context was created without
    }
  }
  const baseline = new Set(ownKeys(global));
  const seen = new Set();
  const stack = roots;
  while (stack.length > 0) {
    const o = stack.pop();
    if ((typeof o !== "object" && typeof o !== "function") || o === null || seen.has(o)) continue;
    seen.add(o);
    // The global object stays extensible: each call's scope values are added to it, then removed.
    if (o !== global) freeze(o);
    stack.push(getPrototypeOf(o));
    const descriptors = getOwnPropertyDescriptors(o);
    for (const key of ownKeys(descriptors)) {
      const d = descriptors[key];
      if ("value" in d) stack.push(d.value);
      else stack.push(d.get, d.set);
    }
  }
  for (const key of baseline) {
    const d = getOwnPropertyDescriptor(global, key);
    defineProperty(global, key, "value" in d ? { writable: false, configurable: false } : { configurable: false });
  }
  // The built-in globals can no longer be deleted or re-added, so they keep the first places in
  // their kind's order (names, then symbols) and a call's globals follow them. Anything that could
  // sort before them (an index-like name) pushes one of them into the range walked below, where it
  // cannot be deleted: counted.
  const { getOwnPropertyNames, getOwnPropertySymbols } = Object;
  const names = getOwnPropertyNames(global).length;
  const symbols = getOwnPropertySymbols(global).length;
  const clear = (keys, from) => {
    let kept = 0;
    for (let i = from; i < keys.length; i++) if (!deleteProperty(global, keys[i])) kept++;
    return kept;
  };
  return function reset() {
    return clear(getOwnPropertyNames(global), names) + clear(getOwnPropertySymbols(global), symbols);
  };
})()`;
