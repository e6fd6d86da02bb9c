/** The flow answers of the API, as the server declares them (src/services/flow-schemas.ts). */
import type { FlowValidation } from "../../../services/flow-schemas";

export type {
  FlowDetail,
  FlowPage,
  FlowSummary,
  FlowValidation,
  FlowVersionView as FlowVersion,
  TriggerView,
} from "../../../services/flow-schemas";
/** `line` is 1-based; 0 when the issue has no place in the text. */
export type FlowIssue = FlowValidation["errors"][number];

export const flowPath = (id: string) => `/api/v1/flows/${encodeURIComponent(id)}`;
