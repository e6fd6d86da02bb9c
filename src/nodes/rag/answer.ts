/**
 * `rag` answer: the passages a query found, numbered, handed to a chat model with the question and
 * an instruction to cite them as [n]; the answer's citations read back from those markers.
 */
import type { JsonObject } from "../../lib/json";
import type { VectorMatch } from "../capabilities/vectors";
import type { TokenUsage } from "../llm/chat";

export const ANSWER_INSTRUCTION =
  "Answer the question using only the numbered passages. After each statement, cite the passages it rests on by their numbers in square brackets, like [1] or [1][3]. If the passages do not hold the answer, say that you do not know.";

export interface Citation {
  /** The passage's number in the prompt, from 1. */
  n: number;
  id: string;
  document_id: string;
  score: number;
}

export interface RagAnswer {
  answer: string;
  citations: Citation[];
  matches: VectorMatch[];
  usage: TokenUsage | null;
}

/** The chat messages: the instruction, then the passages and the question. */
export function answerMessages(question: string, matches: readonly VectorMatch[]): JsonObject[] {
  const passages =
    matches.length === 0
      ? "(no passages were found)"
      : matches.map((match, i) => `[${i + 1}] (document ${match.document_id})\n${match.text}`).join("\n\n");
  return [
    { role: "system", content: ANSWER_INSTRUCTION },
    { role: "user", content: `Passages:\n\n${passages}\n\nQuestion: ${question}` },
  ];
}

/** The passages the answer cites, in the order it first cites them; numbers that name no passage are ignored. */
export function citationsOf(answer: string, matches: readonly VectorMatch[]): Citation[] {
  const cited = new Map<number, Citation>();
  for (const [, list] of answer.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    for (const n of list!.split(",").map((s) => Number(s.trim()))) {
      const match = matches[n - 1];
      if (match === undefined || cited.has(n)) continue;
      cited.set(n, { n, id: match.id, document_id: match.document_id, score: match.score });
    }
  }
  return [...cited.values()];
}
