export interface Relay {
  /** `ws://host:port/v2`: the value for NEON_WS_PROXY. */
  url: string;
  port: number;
  close(): Promise<void>;
}
export function startRelay(options?: { port?: number; host?: string; allow?: string[]; maxConnections?: number }): Promise<Relay>;
