export function ordersTableDefinition(tableName: string): {
  TableName: string;
  BillingMode: "PAY_PER_REQUEST";
  AttributeDefinitions: { AttributeName: string; AttributeType: "S" }[];
  KeySchema: { AttributeName: string; KeyType: "HASH" | "RANGE" }[];
};
