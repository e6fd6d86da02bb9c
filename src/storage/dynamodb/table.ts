import { DynamoError, type DynamoClient } from "../../lib/dynamodb/client";

const GSIS = ["GSI1", "GSI2", "GSI3"] as const;

/** The CreateTable request for the FlowRunner table: PK/SK plus three overloaded GSIs, on-demand billing. */
export function tableDefinition(table: string): Record<string, unknown> {
  const names = ["PK", "SK", ...GSIS.flatMap((g) => [`${g}PK`, `${g}SK`])];
  return {
    TableName: table,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: names.map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
    KeySchema: [
      { AttributeName: "PK", KeyType: "HASH" },
      { AttributeName: "SK", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: GSIS.map((g) => ({
      IndexName: g,
      KeySchema: [
        { AttributeName: `${g}PK`, KeyType: "HASH" },
        { AttributeName: `${g}SK`, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    })),
  };
}

/**
 * Creates the table unless it exists, then waits until it and its indexes are
 * ACTIVE. Returns whether it created the table.
 */
export async function ensureTable(client: DynamoClient, options: { timeoutMs?: number } = {}): Promise<boolean> {
  let created = false;
  try {
    await client.send("CreateTable", tableDefinition(client.table));
    created = true;
  } catch (error) {
    if (!(error instanceof DynamoError && error.type === "ResourceInUseException")) throw error;
  }
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const { Table } = await client.send<{ Table: { TableStatus: string; GlobalSecondaryIndexes?: { IndexStatus: string }[] } }>(
      "DescribeTable",
      { TableName: client.table },
    );
    if (Table.TableStatus === "ACTIVE" && (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE")) return created;
    if (Date.now() > deadline) throw new Error(`DynamoDB table ${client.table} is not ACTIVE after waiting`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function deleteTable(client: DynamoClient): Promise<void> {
  try {
    await client.send("DeleteTable", { TableName: client.table });
  } catch (error) {
    if (!(error instanceof DynamoError && error.type === "ResourceNotFoundException")) throw error;
  }
}
