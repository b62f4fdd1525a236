// The README's first command: start the local stack, create a FIFO queue and a table,
// round-trip one message and one conditional put, print what happened, stop.
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { localClientConfig, startLocalStack } from '../lib/local/index.ts';

const started = Date.now();
const stack = await startLocalStack();
const say = (line: string) => console.log(`[${String(Date.now() - started).padStart(5)} ms] ${line}`);
try {
  say(`local stack up: DynamoDB Local ${stack.dynamodb.endpoint}, SQS emulator ${stack.sqs.endpoint}`);
  const dynamodb = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  const sqs = new SQSClient(localClientConfig(stack, stack.sqs.endpoint));

  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: 'orders.fifo', Attributes: { FifoQueue: 'true' } }),
  );
  say(`created FIFO queue ${QueueUrl}`);
  await dynamodb.send(
    new CreateTableCommand({
      TableName: 'idempotency',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  say('created table idempotency');

  const messageId = randomUUID();
  await sqs.send(
    new SendMessageCommand({
      QueueUrl,
      MessageBody: JSON.stringify({ orderId: 'order-1', amount: 42 }),
      MessageGroupId: 'customer-1',
      MessageDeduplicationId: messageId,
    }),
  );
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
  );
  const [received] = Messages;
  if (!received) throw new Error('the message sent was not received');
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: received.ReceiptHandle }));
  say(
    `message round trip: sent and received ${received.Body} in group ${received.Attributes?.MessageGroupId}`,
  );

  const claim = () =>
    dynamodb.send(
      new PutItemCommand({
        TableName: 'idempotency',
        Item: { pk: { S: 'order-1' }, status: { S: 'COMPLETED' } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  await claim();
  say('conditional put #1 for key order-1: stored');
  try {
    await claim();
    throw new Error('the second conditional put should have been rejected');
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    say(
      `conditional put #2 for key order-1: rejected as a duplicate (existing status ${error.Item?.status?.S})`,
    );
  }
} finally {
  await stack.stop();
  say('local stack stopped');
}
