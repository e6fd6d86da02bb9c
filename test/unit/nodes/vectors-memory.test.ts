import { createMemoryVectorStores } from "../../../src/nodes/capabilities/vectors-memory";
import { vectorConformance } from "./vectors-conformance";

vectorConformance("in-memory", (limits) => createMemoryVectorStores(limits));
