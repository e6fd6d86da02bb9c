/**
 * Every node type's declaration, in documentation order. Specs only: this barrel imports no node's
 * runtime, so the flow language (validation, JSON Schema, the CLI's offline `validate`) can read it
 * without pulling in what nodes run with.
 */
import type { NodeTypeSpec } from "../flow/node-types/spec";
import { agent } from "./agent/spec";
import { condition } from "./condition/spec";
import { cron } from "./cron/spec";
import { delay } from "./delay/spec";
import { dynamodb } from "./dynamodb/spec";
import { emailReceive } from "./email-receive/spec";
import { emailSend } from "./email-send/spec";
import { httpRequest } from "./http-request/spec";
import { llm } from "./llm/spec";
import { mcp } from "./mcp/spec";
import { postgres } from "./postgres/spec";
import { rag } from "./rag/spec";
import { respond } from "./respond/spec";
import { store } from "./store/spec";
import { subFlow } from "./sub-flow/spec";
import { transform } from "./transform/spec";
import { wait } from "./wait/spec";
import { webhook } from "./webhook/spec";

export const NODE_SPECS: readonly NodeTypeSpec[] = [
  httpRequest,
  transform,
  condition,
  delay,
  wait,
  store,
  llm,
  agent,
  rag,
  emailSend,
  emailReceive,
  webhook,
  respond,
  dynamodb,
  postgres,
  cron,
  mcp,
  subFlow,
];
