/**
 * The DynamoDB table examples/dynamodb-orders.yaml writes to: orders by customer, sorted by order id.
 * `npm run examples` creates it in dynalite, and so does the suite's test of that example.
 */
export function ordersTableDefinition(tableName) {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "customer", AttributeType: "S" },
      { AttributeName: "order_id", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "customer", KeyType: "HASH" },
      { AttributeName: "order_id", KeyType: "RANGE" },
    ],
  };
}
