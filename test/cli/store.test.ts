import { beforeAll, describe, expect, it } from "vitest";
import { json, User } from "./helpers";

const user = new User("cli-store");
const other = new User("cli-store-other");

beforeAll(async () => {
  await user.login();
  await other.login();
});

describe("flowrunner store", () => {
  it("sets, gets, lists and deletes keys of the account's store", async () => {
    expect(await user.run(["store", "set", "counter", "41"])).toMatchObject({ code: 0, stdout: "Set counter (version 1)\n" });
    expect(await user.run(["store", "set", "counter", "42", "--if-version", "1"])).toMatchObject({
      code: 0,
      stdout: "Set counter (version 2)\n",
    });
    expect(await user.run(["store", "get", "counter"])).toMatchObject({ code: 0, stdout: "42\n" });
    const file = user.file("doc.json", JSON.stringify({ name: "ann", tags: ["a"] }));
    await user.run(["store", "set", "user:1", "--file", file, "--ttl", "1h"]);
    await user.run(["store", "set", "user:2", "plain words"]);
    const entry = json<{ value: unknown; version: number; expires_at: string }>(
      (await user.run(["store", "get", "user:1", "--json"])).stdout,
    );
    expect(entry).toMatchObject({ value: { name: "ann", tags: ["a"] }, version: 1 });
    expect(Date.parse(entry.expires_at)).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(json<{ value: unknown }>((await user.run(["store", "get", "user:2", "--json"])).stdout).value).toBe("plain words");
    expect(await user.run(["store", "list", "--prefix", "user:"])).toMatchObject({ code: 0, stdout: "user:1\nuser:2\n" });
    const paged = await user.run(["store", "list", "--limit", "1", "--all", "--json"]);
    expect(json<{ keys: string[] }>(paged.stdout).keys).toEqual(["counter", "user:1", "user:2"]);
    expect(await user.run(["store", "delete", "user:2"])).toMatchObject({ code: 0, stdout: "Deleted user:2\n" });
    expect(await user.run(["store", "delete", "user:2"])).toMatchObject({ code: 0, stdout: "user:2 was not there\n" });
  });

  it("refuses a stale --if-version, keeps namespaces and accounts apart", async () => {
    await user.run(["store", "set", "doc", "1"]);
    const stale = await user.run(["store", "set", "doc", "2", "--if-version", "0"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("precondition_failed");
    await user.run(["store", "set", "doc", "9", "--namespace", "drafts"]);
    expect((await user.run(["store", "get", "doc"])).stdout).toBe("1\n");
    expect((await user.run(["store", "get", "doc", "--namespace", "drafts"])).stdout).toBe("9\n");
    const elsewhere = await other.run(["store", "get", "doc"]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain("not_found");
  });
});
