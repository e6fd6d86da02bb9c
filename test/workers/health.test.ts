import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("answers health", async () => {
  const res = await SELF.fetch("http://x/health");
  expect(await res.json()).toEqual({ status: "ok" });
});
