/** How a refreshed first page of runs joins the rows already shown (use-run-list.ts). */
import type { ExecutionPage, ExecutionSummary } from "../run/types";

/**
 * The fresh first page replaces the rows it covers; rows older than its last one (loaded with "Load
 * more") stay, with the cursor that follows them. A row inside the page's span that is no longer in
 * it stopped matching the filter (a running run that finished) and goes.
 */
export function mergePage(
  shown: ExecutionSummary[],
  shownCursor: string | null,
  page: ExecutionPage,
): { items: ExecutionSummary[]; cursor: string | null; added: string[] } {
  const before = new Set(shown.map((e) => e.id));
  const newest = shown[0]?.created_at;
  const added = page.executions.filter((e) => !before.has(e.id) && (!newest || e.created_at >= newest)).map((e) => e.id);
  const last = page.executions.at(-1);
  if (!page.next_cursor || !last) return { items: page.executions, cursor: page.next_cursor, added };
  const inPage = new Set(page.executions.map((e) => e.id));
  const older = shown.filter((e) => !inPage.has(e.id) && e.created_at < last.created_at);
  return { items: [...page.executions, ...older], cursor: older.length > 0 ? shownCursor : page.next_cursor, added };
}
