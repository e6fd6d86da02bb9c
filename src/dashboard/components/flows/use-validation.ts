/** POST /flows/validate for a text: the findings and, when the flow is valid, its graph. */
import { useEffect, useState } from "preact/hooks";
import { call } from "../../lib/api";
import type { FlowValidation } from "./flow-types";

export interface Validated {
  /** The text these findings are about (the editor compares it with what it now holds). */
  content: string;
  result: FlowValidation | null;
  error: unknown;
}

export function validateFlow(content: string, signal?: AbortSignal): Promise<FlowValidation> {
  return call<FlowValidation>("/api/v1/flows/validate", { method: "POST", json: { content }, signal }).then((answer) => answer.data);
}

/**
 * Validates `content` `delayMs` after it last changed (null: nothing to validate); an answer for an
 * older text never replaces the one for a newer.
 */
export function useValidation(content: string | null, delayMs = 0): Validated | null {
  const [validated, setValidated] = useState<Validated | null>(null);
  useEffect(() => {
    if (content === null) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      validateFlow(content, controller.signal).then(
        (result) => setValidated({ content, result, error: null }),
        (error: unknown) => {
          if (!(error instanceof DOMException && error.name === "AbortError")) setValidated({ content, result: null, error });
        },
      );
    }, delayMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [content, delayMs]);
  return validated;
}
