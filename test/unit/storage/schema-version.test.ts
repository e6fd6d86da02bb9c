import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LATEST_MIGRATION } from "../../../src/storage/readiness";

const root = path.join(import.meta.dirname, "..", "..", "..");
const newest = (dir: string) =>
  readdirSync(path.join(root, dir))
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .at(-1);

describe("the schema version readiness checks", () => {
  it("is the newest migration of D1 and of Postgres", () => {
    expect(newest("migrations")).toBe(LATEST_MIGRATION);
    expect(newest("migrations/postgres")).toBe(LATEST_MIGRATION);
  });
});
