/** The flow answers of the API as the dashboard reads them (src/services/flow-schemas.ts defines them). */
import type { FlowGraph } from "../../lib/flow-graph";

export interface FlowIssue {
  code: string;
  message: string;
  path: (string | number)[];
  /** 1-based; 0 when the issue has no place in the text. */
  line: number;
  column: number;
  limit?: string;
}

export interface FlowSummary {
  id: string;
  name: string;
  description: string | null;
  version: number;
  tags: string[];
  category: string | null;
  status: string;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface TriggerView {
  id: string;
  key: string;
  type: "cron" | "webhook" | "flow" | "email";
  source: "flow" | "node";
  enabled: boolean;
  paused: boolean;
  description: string | null;
  url?: string;
  address?: string;
  config: Record<string, unknown>;
}

export interface FlowDetail extends FlowSummary {
  content: string;
  metadata: Record<string, unknown>;
  triggers: TriggerView[];
  warnings: FlowIssue[];
}

export interface FlowVersion {
  flow_id: string;
  version: number;
  name: string;
  description: string | null;
  created_at: string;
  created_by: string;
  content?: string;
}

export interface FlowValidation {
  valid: boolean;
  errors: FlowIssue[];
  warnings: FlowIssue[];
  graph?: FlowGraph;
}

export interface ExecutionSummary {
  id: string;
  flow_id: string;
  flow_version: number;
  status: string;
  trigger: string;
  step_count: number;
  created_at: string;
  finished_at: string | null;
  error: { code: string; message: string; node_id?: string | null } | null;
}

export const flowPath = (id: string) => `/api/v1/flows/${encodeURIComponent(id)}`;
