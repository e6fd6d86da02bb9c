/**
 * The run-time half of param checking: a node's params once its templates are evaluated, parsed by
 * its type's `resolved` schema (defaults applied), with the same messages as at save time.
 */
import { paramsSection } from "./check-node";
import type { NodeTypeSpec } from "./node-types";
import { checkSection } from "./zod-issues";

export type ResolvedParamsResult<P> = { ok: true; params: P } | { ok: false; problems: { param: string; message: string }[] };

export function parseResolvedParams<P>(spec: NodeTypeSpec<P>, nodeId: string, params: Record<string, unknown>): ResolvedParamsResult<P> {
  const parsed = spec.resolved.safeParse(params);
  if (parsed.success) return { ok: true, params: parsed.data };
  // Only on failure: the issue mapper parses again for its messages.
  const issues = checkSection(spec.resolved, params, paramsSection(nodeId, spec.type));
  const problems = issues.map((issue) => ({ param: issue.path.slice(3).join("."), message: issue.message }));
  return { ok: false, problems: problems.length > 0 ? problems : [{ param: "", message: parsed.error.message }] };
}
