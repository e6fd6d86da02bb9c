import { env } from "cloudflare:test";
import { createD1Storage } from "../../../src/storage/d1";
import { describeStorageConformance } from "./conformance";

describeStorageConformance("D1", () => ({ storage: createD1Storage(env.DB) }));
