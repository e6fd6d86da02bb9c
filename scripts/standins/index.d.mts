export type StandinName = "http" | "openai" | "mcp" | "email" | "smtp" | "imap" | "plugins";

export interface RunningStandins {
  /** Base URL of each stand-in started, by name. */
  urls: Partial<Record<StandinName, string>>;
  /** One line per stand-in: its name and the endpoints it serves. */
  descriptions: string[];
  close(): Promise<void>;
}

export function startStandins(names?: StandinName[], options?: { fixedPorts?: boolean }): Promise<RunningStandins>;
