/**
 * Structured logs: one flat JSON object per line (`level`, `message`, `time`, then the fields), the
 * shape Workers Logs indexes and Logpush ships as is. Web standard only; the Worker entry and the
 * Durable Objects set the level from `LOG_LEVEL` (docs/operations.md#logs).
 *
 * Callers pass ids, names, counts and error codes, never headers, bodies, query strings or secret
 * values; as a second line of defence, fields named like credentials are written as "[redacted]".
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What a field may hold: flat values, a list of strings, or an error (written as name, message and stack). */
export type LogValue = string | number | boolean | null | undefined | readonly string[] | Error;
export type LogFields = Readonly<Record<string, LogValue>>;

/** Where finished lines go; the default writes each with the console method of its level. */
export type LogSink = (level: LogLevel, line: string) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const CREDENTIAL_FIELD = /^(authorization|cookie|set-cookie|password|secret|secret_value|api_key|access_token|token|bearer)$/i;
const MAX_STRING = 2_000;

export const consoleSink: LogSink = (level, line) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else if (level === "debug") console.debug(line);
  else console.log(line);
};

/** `LOG_LEVEL` as a level: one of debug, info, warn, error (any case); anything else is info. */
export function parseLogLevel(value: string | undefined): LogLevel {
  const level = value?.trim().toLowerCase();
  return LOG_LEVELS.find((l) => l === level) ?? "info";
}

interface LoggerConfig {
  level: LogLevel;
  sink: LogSink;
}

export class Logger {
  constructor(
    private readonly config: LoggerConfig,
    private readonly base: LogFields = {},
  ) {}

  /** A logger that adds `fields` to every line (a request id, an execution id). */
  child(fields: LogFields): Logger {
    return new Logger(this.config, { ...this.base, ...fields });
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.config.level];
  }

  debug(message: string, fields?: LogFields): void {
    this.write("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write("error", message, fields);
  }

  write(level: LogLevel, message: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    const line: Record<string, unknown> = { level, message, time: new Date().toISOString() };
    for (const source of [this.base, fields]) {
      for (const [name, value] of Object.entries(source)) addField(line, name, value);
    }
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      text = JSON.stringify({ level, message, time: line.time, log_error: "fields could not be serialised" });
    }
    this.config.sink(level, text);
  }
}

function addField(line: Record<string, unknown>, name: string, value: LogValue): void {
  if (value === undefined || name === "level" || name === "message" || name === "time") return;
  if (CREDENTIAL_FIELD.test(name)) {
    line[name] = "[redacted]";
  } else if (value instanceof Error) {
    const prefix = name === "error" ? "error" : `${name}_error`;
    line[`${prefix}_name`] = value.name;
    line[`${prefix}_message`] = clip(withoutBoundValues(value.message));
    if (value.stack) line[`${prefix}_stack`] = clip(withoutBoundValues(value.stack));
    // A database driver's wrapper ("Failed query: …") says what was run; its cause says why it failed.
    if (value.cause instanceof Error) line[`${prefix}_cause`] = clip(withoutBoundValues(`${value.cause.name}: ${value.cause.message}`));
  } else if (typeof value === "string") {
    line[name] = clip(value);
  } else {
    line[name] = value;
  }
}

/**
 * Drops the lines that list a query's bound values (drizzle-orm's `params: …` in its "Failed query"
 * errors): they are user data — inputs, password hashes, ciphertext — not diagnostics.
 */
const withoutBoundValues = (text: string) => text.replace(/\n\s*params: [^\n]*/g, "");

const clip = (text: string) => (text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…` : text);

/** An unknown thrown value as a log field: errors as they are, anything else as its text. */
export const asError = (thrown: unknown): Error => (thrown instanceof Error ? thrown : new Error(String(thrown)));

const shared: LoggerConfig & { configured: boolean } = { level: "info", sink: consoleSink, configured: false };

/**
 * The isolate's logger. Its level comes from `LOG_LEVEL` (`levelFromEnv`, called where bindings
 * arrive: a request, a cron tick, an object's start); tests may set the level and swap the sink.
 */
export const log = new Logger(shared);

/** Sets the level from `LOG_LEVEL` once per isolate (bindings do not change while it lives); explicit configuration wins. */
export function levelFromEnv(value: string | undefined): void {
  if (shared.configured) return;
  shared.level = parseLogLevel(value);
  shared.configured = true;
}

export function configureLogging(options: { level?: LogLevel | undefined; sink?: LogSink | undefined }): void {
  if (options.level) shared.level = options.level;
  if (options.sink) shared.sink = options.sink;
  shared.configured = true;
}
