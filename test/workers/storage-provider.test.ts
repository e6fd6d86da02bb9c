import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createStorage } from "../../src/storage";
import { createD1Storage } from "../../src/storage/d1";
import { signUp } from "../helpers/api";

// Runs in every workers project: proves the Worker writes to the provider its
// STORAGE_PROVIDER names (the workers-postgres and workers-dynamodb projects
// set it), and to no other.
describe("the configured storage provider", () => {
  it("holds what the API writes", async () => {
    const provider = env.STORAGE_PROVIDER ?? "d1";
    const user = await signUp();
    const storage = createStorage(env);
    expect(await storage.accounts.getByUsername(user.username)).toMatchObject({ id: user.account_id, username: user.username });
    const inD1 = await createD1Storage(env.DB).accounts.getByUsername(user.username);
    if (provider === "d1") expect(inD1?.id).toBe(user.account_id);
    else expect(inD1).toBeNull();
  });
});
