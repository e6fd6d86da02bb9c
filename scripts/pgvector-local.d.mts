export interface PgvectorLocal {
  /** `postgres://postgres@host:port/postgres`: a connection string for the `postgres` node or the pgvector store. */
  url: string;
  port: number;
  close(): Promise<void>;
}
export function startPgvectorLocal(options?: { port?: number; host?: string }): Promise<PgvectorLocal>;
