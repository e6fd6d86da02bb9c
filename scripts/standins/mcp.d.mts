export const STANDIN_MCP_TOKEN: string;
/** The MCP specification's code for an unknown resource. */
export const RESOURCE_NOT_FOUND: number;

export interface McpStandin {
  /** `http://127.0.0.1:<port>`: Streamable HTTP at /mcp, legacy SSE at /sse, both behind a bearer token under /auth/. */
  url: string;
  close(): Promise<void>;
}

export function startMcpStandin(options?: { port?: number; host?: string; token?: string }): Promise<McpStandin>;
