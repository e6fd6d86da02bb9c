/** Conformance of `getByHashWithFlow`: a token with a flow of its account, the flow only while the token is live. */
import { describe, expect, it } from "vitest";
import type { ApiTokenRecord, Storage } from "../../../src/storage/types";
import { apiToken as token, at, createAccount, flowPair, now, uid } from "./conformance-kit";

export function describeTokenFlowConformance(storageOf: () => Storage): void {
  describe("API token with a flow", () => {
    async function setup(tokenOverrides: Partial<ApiTokenRecord> = {}) {
      const storage = storageOf();
      const owner = await createAccount(storage);
      const [flow, version] = flowPair(owner.id, { description: null, category: null });
      await storage.flows.create(flow, version, []);
      const record = token(owner.id, tokenOverrides);
      await storage.tokens.create(record);
      return { storage, owner, flow, record };
    }

    it("reads a live token with its owner and a flow of its account", async () => {
      const { storage, owner, flow, record } = await setup({ expires_at: at(50) });
      expect(await storage.tokens.getByHashWithFlow(record.token_hash, flow.id, at(10))).toEqual({
        token: record,
        username: owner.username,
        flow: await storage.flows.get(owner.id, flow.id),
      });
    });

    it("reads the token with no flow when the account has none by that id", async () => {
      const { storage, owner, record } = await setup();
      expect(await storage.tokens.getByHashWithFlow(record.token_hash, uid("flw"), now())).toEqual({
        token: record,
        username: owner.username,
        flow: null,
      });
    });

    it("never returns the flow for an unknown, revoked or expired token", async () => {
      const { storage, flow } = await setup();
      expect(await storage.tokens.getByHashWithFlow(uid("hash"), flow.id, now())).toBeNull();
      const revoked = token(flow.account_id, { revoked_at: at(5) });
      await storage.tokens.create(revoked);
      expect(await storage.tokens.getByHashWithFlow(revoked.token_hash, flow.id, at(10))).toMatchObject({ token: revoked, flow: null });
      const expiring = token(flow.account_id, { expires_at: at(20) });
      await storage.tokens.create(expiring);
      expect((await storage.tokens.getByHashWithFlow(expiring.token_hash, flow.id, at(19)))?.flow?.id).toBe(flow.id);
      expect(await storage.tokens.getByHashWithFlow(expiring.token_hash, flow.id, at(20))).toMatchObject({ token: expiring, flow: null });
      expect(await storage.tokens.getByHashWithFlow(expiring.token_hash, flow.id, at(30))).toMatchObject({ token: expiring, flow: null });
    });

    it("never returns another account's flow", async () => {
      const { storage, flow } = await setup();
      const other = await createAccount(storage);
      const stranger = token(other.id);
      await storage.tokens.create(stranger);
      expect(await storage.tokens.getByHashWithFlow(stranger.token_hash, flow.id, now())).toEqual({
        token: stranger,
        username: other.username,
        flow: null,
      });
    });
  });
}
