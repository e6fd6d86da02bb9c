/**
 * Where the `postgres` node connects: `connection_string`, else a `database` secret (`connection`),
 * else the host/port/user/password/dbname params. Messages never quote the string or the password.
 */
import { NodeError } from "../../engine/outcome";
import type { ParamsOf } from "../../flow/node-types/spec";
import type { postgres } from "./spec";

/** The params that say where the database is: the `postgres` node's, which the `rag` node shares in part. */
type PostgresParams = Partial<
  Pick<ParamsOf<typeof postgres>, "connection_string" | "connection" | "host" | "port" | "user" | "password" | "dbname">
>;

export interface ConnectionTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The `sslmode` asked for (`require`, `disable`...), if any. */
  sslmode: string | undefined;
  /** Extra query parameters of a connection string (`options`...), kept as given. */
  extra: [string, string][];
}

const invalid = (message: string) => new NodeError("invalid_connection", message, null, false);

export function connectionTarget(params: PostgresParams): ConnectionTarget {
  if (params.connection_string !== undefined) return fromUrl(params.connection_string);
  const secret = params.connection;
  if (secret !== undefined) {
    if (secret.type.toLowerCase() !== "postgres" && secret.type.toLowerCase() !== "postgresql") {
      throw invalid(`The database secret is of type '${secret.type}', not postgres`);
    }
    return {
      host: secret.host,
      port: secret.port ?? 5432,
      user: secret.username,
      password: secret.password,
      database: secret.database ?? secret.username,
      sslmode: secret.ssl_mode,
      extra: Object.entries(secret.options ?? {}),
    };
  }
  if (params.host === undefined || params.host === "") {
    throw invalid("No connection: give connection_string, connection (a database secret) or host");
  }
  const user = params.user ?? "postgres";
  return {
    host: params.host,
    port: params.port ?? 5432,
    user,
    password: params.password ?? "",
    database: params.dbname ?? user,
    sslmode: undefined,
    extra: [],
  };
}

function fromUrl(text: string): ConnectionTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid("connection_string is not a postgres:// URL");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw invalid(`connection_string must start with postgres:// or postgresql://, not ${url.protocol}//`);
  }
  // A non-special scheme keeps the host as written; brackets are the IPv6 form the driver expects.
  const host = decodeURIComponent(url.hostname);
  if (host === "") throw invalid("connection_string has no host");
  const port = url.port === "" ? 5432 : Number(url.port);
  const extra = [...url.searchParams].filter(([key]) => key !== "sslmode");
  return {
    host,
    port,
    user: decodeURIComponent(url.username) || "postgres",
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, "")) || decodeURIComponent(url.username) || "postgres",
    sslmode: url.searchParams.get("sslmode") ?? undefined,
    extra,
  };
}

/** The driver's connection string for a target, with the host as the network policy normalised it. */
export function driverUrl(target: ConnectionTarget, hostname: string): string {
  const url = new URL("postgres://placeholder");
  url.hostname = hostname;
  url.port = String(target.port);
  url.username = encodeURIComponent(target.user);
  url.password = encodeURIComponent(target.password);
  url.pathname = `/${encodeURIComponent(target.database)}`;
  if (target.sslmode !== undefined) url.searchParams.set("sslmode", target.sslmode);
  for (const [key, value] of target.extra) url.searchParams.append(key, value);
  return url.toString();
}
