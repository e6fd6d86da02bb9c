import { createMemoryKeyValueStore } from "../../../src/nodes/capabilities/kv";
import { keyValueConformance } from "./kv-conformance";

keyValueConformance("in-memory", (now) => createMemoryKeyValueStore(now));
