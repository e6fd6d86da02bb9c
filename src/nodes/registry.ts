/**
 * The node types this server can run. A type declared in src/nodes/specs.ts but missing here must say
 * why in its spec (`notRunnable`); a test holds the two lists together.
 */
import { agentNode } from "./agent/run";
import { conditionNode } from "./condition/run";
import { cronNode } from "./cron/run";
import { delayNode } from "./delay/run";
import { dynamodbNode } from "./dynamodb/run";
import { emailReceiveNode } from "./email-receive/run";
import { emailSendNode } from "./email-send/run";
import { httpRequestNode } from "./http-request/run";
import { mcpNode } from "./mcp/run";
import { llmNode } from "./llm/run";
import { postgresNode } from "./postgres/run";
import { ragNode } from "./rag/run";
import { respondNode } from "./respond/run";
import { storeNode } from "./store/run";
import { subFlowNode } from "./sub-flow/run";
import { transformNode } from "./transform/run";
import type { NodeType } from "./types";
import { waitNode } from "./wait/run";
import { webhookNode } from "./webhook/run";

const RUNNABLE: readonly NodeType[] = [
  httpRequestNode,
  transformNode,
  conditionNode,
  delayNode,
  waitNode,
  subFlowNode,
  webhookNode,
  cronNode,
  respondNode,
  postgresNode,
  dynamodbNode,
  storeNode,
  mcpNode,
  llmNode,
  agentNode,
  ragNode,
  emailSendNode,
  emailReceiveNode,
];

const BY_TYPE: ReadonlyMap<string, NodeType> = new Map(RUNNABLE.map((node) => [node.spec.type, node]));

/** Types this server runs, in declaration order. */
export const RUNNABLE_TYPES: readonly string[] = RUNNABLE.map((node) => node.spec.type);

/** The implementation of a node type, or undefined for one this server cannot run. */
export const getNodeImplementation = (type: string): NodeType | undefined => BY_TYPE.get(type);
