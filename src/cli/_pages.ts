import type { Client } from "./_client";
import { int, str, type OptionSpec, type Values } from "./_command";
import { err } from "./_output";

export const PAGE_OPTIONS: Record<string, OptionSpec> = {
  limit: { type: "string", value: "n", description: "Items per page, 1-100 (default 20)" },
  cursor: { type: "string", value: "cursor", description: "Continue from a previous page's next cursor" },
  all: { type: "boolean", description: "Fetch every page" },
};

/**
 * One page of a list endpoint, or all of them with `--all`. The next cursor
 * is mentioned on stderr so it does not get in the way of the table.
 */
export async function listPages<T>(
  client: Client,
  path: string,
  key: string,
  opts: Values,
  query: Record<string, string | undefined> = {},
): Promise<{ items: T[]; next_cursor: string | null }> {
  const all = opts.all === true;
  const limit = int(opts, "limit") ?? (all ? 100 : undefined);
  let cursor = str(opts, "cursor");
  const items: T[] = [];
  for (;;) {
    const page = await client.get<Record<string, unknown>>(path, { ...query, limit, cursor });
    items.push(...((page[key] as T[]) ?? []));
    const next = (page.next_cursor as string | null) ?? null;
    if (!all || !next) return { items, next_cursor: next };
    cursor = next;
  }
}

export function mentionNextPage(next: string | null, json: boolean): void {
  if (next && !json) err(`(more: --cursor ${next}, or --all)`);
}
