import { conditionNode, transformNode } from "./scripts";
import { httpRequestNode } from "./http-request";
import type { NodeImplementation } from "./types";
import { delayNode, subflowNode, waitNode } from "./waits";

const IMPLEMENTATIONS = new Map<string, NodeImplementation>(
  [transformNode, conditionNode, httpRequestNode, delayNode, waitNode, subflowNode].map((n) => [n.type, n]),
);

/** The implementation of a node type, or undefined for types that are declared but not runnable yet. */
export const getNodeImplementation = (type: string): NodeImplementation | undefined => IMPLEMENTATIONS.get(type);
