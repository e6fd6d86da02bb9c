import { createMemoryKeyValueStore } from "../../../src/nodes/capabilities/kv-memory";
import { keyValueConformance } from "./kv-conformance";

keyValueConformance("in-memory", (now, limits) => createMemoryKeyValueStore(now, limits));
