import { beforeAll, describe, expect, it } from "vitest";
import { json, User } from "./helpers";

const user = new User("cli-settings");

beforeAll(() => user.login());

describe("flowrunner accounts settings", () => {
  it("shows the server's retention, sets the account's, and goes back to the server's", async () => {
    const shown = await user.run(["accounts", "settings", "--json"]);
    expect(shown.code).toBe(0);
    const server = (json(shown.stdout) as { effective_retention_days: number }).effective_retention_days;
    expect(json(shown.stdout)).toEqual({ retention_days: null, effective_retention_days: server });

    const set = await user.run(["accounts", "settings", "--retention-days", "90"]);
    expect(set).toMatchObject({ code: 0, stdout: "retention  90 days\n", stderr: "" });
    const forever = await user.run(["accounts", "settings", "--retention-days", "0", "--json"]);
    expect(json(forever.stdout)).toEqual({ retention_days: 0, effective_retention_days: 0 });
    const back = await user.run(["accounts", "settings", "--retention-days", "server"]);
    expect(back).toMatchObject({ code: 0, stdout: `retention  ${server} days (the server's)\n` });
  });

  it("refuses a retention that is not a whole number of days, before calling the server, and one out of range from it", async () => {
    const word = await user.run(["accounts", "settings", "--retention-days", "a week"]);
    expect(word.code).toBe(3);
    expect(word.stderr).toContain("--retention-days must be a whole number of days or 'server'");
    const tooLong = await user.run(["accounts", "settings", "--retention-days", "5000"]);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(/^error: validation_failed: /);
  });
});
