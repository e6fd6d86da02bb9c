export const DEFAULT_API_KEY: string;

export interface OpenAIStandin {
  /** `http://host:port/v1`: an OpenAI client's base URL. */
  url: string;
  /** `http://host:port`, for the `/_standin/...` endpoints. */
  origin: string;
  port: number;
  /** The key that gets the default model. */
  apiKey: string;
  close(): Promise<void>;
}

export function startOpenAIStandin(options?: { port?: number; host?: string; apiKey?: string }): Promise<OpenAIStandin>;
