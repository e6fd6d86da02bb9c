import { describe, expect, it } from "vitest";
import { mergePage } from "../../../src/dashboard/components/runs/merge-page";
import type { ExecutionSummary } from "../../../src/dashboard/components/run/types";

const run = (id: string, minute: number, status: ExecutionSummary["status"] = "completed"): ExecutionSummary => ({
  id,
  flow_id: "flw_a",
  flow_version: 1,
  status,
  trigger: "api",
  parent_id: null,
  step_count: 1,
  created_at: `2026-12-05T10:${String(minute).padStart(2, "0")}:00.000Z`,
  finished_at: null,
  current_nodes: [],
  error: null,
  output_preview: null,
  updated_at: "",
});

describe("runs list refresh", () => {
  it("puts new runs on top and reports them, updating the rows it covers", () => {
    const shown = [run("b", 2, "running"), run("a", 1)];
    const merged = mergePage(shown, null, { executions: [run("c", 3), run("b", 2), run("a", 1)], next_cursor: null });
    expect(merged.items.map((r) => r.id)).toEqual(["c", "b", "a"]);
    expect(merged.items[1]!.status).toBe("completed");
    expect(merged.added).toEqual(["c"]);
    expect(merged.cursor).toBeNull();
  });

  it("keeps rows loaded with Load more beyond the refreshed page, with their cursor", () => {
    const shown = [run("d", 4), run("c", 3), run("b", 2), run("a", 1)];
    const merged = mergePage(shown, "cursor-after-a", { executions: [run("e", 5), run("d", 4)], next_cursor: "cursor-after-d" });
    expect(merged.items.map((r) => r.id)).toEqual(["e", "d", "c", "b", "a"]);
    expect(merged.cursor).toBe("cursor-after-a");
    expect(merged.added).toEqual(["e"]);
  });

  it("drops a row inside the page's span that no longer matches the filter", () => {
    // Filtered on running: b finished meanwhile.
    const shown = [run("c", 3, "running"), run("b", 2, "running"), run("a", 1, "running")];
    const merged = mergePage(shown, null, { executions: [run("c", 3, "running"), run("a", 1, "running")], next_cursor: null });
    expect(merged.items.map((r) => r.id)).toEqual(["c", "a"]);
    expect(merged.added).toEqual([]);
  });

  it("uses the page's own cursor when it covers every row shown", () => {
    const shown = [run("b", 2), run("a", 1)];
    const merged = mergePage(shown, "old", { executions: [run("c", 3), run("b", 2), run("a", 1)], next_cursor: "new" });
    expect(merged.cursor).toBe("new");
  });
});
