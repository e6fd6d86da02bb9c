interface RouteEntry {
  method: string;
  path: string;
}

/** Methods registered for a path, so a wrong method gets 405 with Allow rather than 404. */
export function allowedMethods(routes: readonly RouteEntry[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    if (patternOf(route.path).test(path)) methods.add(route.method);
  }
  return [...methods].sort();
}

const cache = new Map<string, RegExp>();
function patternOf(routePath: string): RegExp {
  let pattern = cache.get(routePath);
  if (!pattern) {
    const source = routePath
      .split("/")
      .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    pattern = new RegExp(`^${source}/?$`);
    cache.set(routePath, pattern);
  }
  return pattern;
}
