/** Agent flows for the tests: one `agent` node talking to the OpenAI-compatible stand-in with a scripted key. */
import { signUp, type TestUser } from "./api";
import { putSecret } from "./hooks";
import { OPENAI, scriptedKey, type Script } from "./openai-standin";

/** An account whose MODEL_KEY secret is a stand-in key with this script. */
export async function agentAccount(script: Script): Promise<{ user: TestUser; key: string }> {
  const user = await signUp();
  const key = await scriptedKey(script);
  await putSecret(user, "MODEL_KEY", key);
  return { user, key };
}

/** A flow of one agent node; `params` are more YAML lines of its params, indented by six spaces. */
export const agentFlow = (params: string, name = "Agent") => `metadata: {name: ${name}}
nodes:
  agent:
    type: agent
    params:
      provider: standin
      base_url: "${OPENAI.url}"
      api_key: \${secrets.MODEL_KEY}
      model: gpt-4.1-mini
${params}
`;

export interface ToolRecord {
  step: number;
  tool: string;
  arguments: unknown;
  result: unknown;
  error: string | null;
}

export interface AgentOutput {
  response: string;
  steps: number;
  intermediate_results: ToolRecord[];
  conversation: { role: string; content?: unknown; tool_call_id?: string; tool_calls?: unknown[] }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}
