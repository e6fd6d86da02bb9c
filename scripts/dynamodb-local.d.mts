export interface DynamoLocal {
  /** `http://host:port`: the value for DYNAMODB_ENDPOINT. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}
export function startDynamoLocal(options?: { port?: number; host?: string }): Promise<DynamoLocal>;
