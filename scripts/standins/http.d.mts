export interface HttpStandin {
  /** `http://127.0.0.1:<port>`: /echo, /status, /hit and /count, /inspect and /inspected, /flaky, /slow, ... */
  url: string;
  close(): Promise<void>;
}

export function startHttpStandin(options?: { port?: number; host?: string }): Promise<HttpStandin>;
