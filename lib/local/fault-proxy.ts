import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidOption } from '../options.ts';
import {
  isSqs,
  type SendBatchEntry,
  splitSendBatch,
  sqsThrottled,
  withFailedEntries,
} from './sqs-send-faults.ts';

/**
 * What the proxy does to one request instead of passing it through:
 * - `'throttle'`: answers the service's throttling error without forwarding (the SDK retries it):
 *   DynamoDB's `ProvisionedThroughputExceededException`, SQS's `RequestThrottled`;
 * - `'hang'`: never forwards and never answers, as a call cut off by a timeout or a crash mid-request;
 * - `'hang-after'`: forwards (the write lands) and never answers: the caller dies after its effect;
 * - `'unavailable'`: answers HTTP 500 `InternalServerError` without forwarding, as a service in an
 *   outage does (the SDK retries it, then throws).
 */
export type ProxyFault = 'throttle' | 'hang' | 'hang-after' | 'unavailable';

export type FaultProxyOptions = {
  /** Where requests go, e.g. DynamoDB Local's endpoint. */
  target: string;
  /**
   * Asked once per request with its operation (`PutItem`, `TransactWriteItems`…) and its body: a
   * fault, or undefined to pass it through.
   */
  decide?: (operation: string, body: string) => ProxyFault | undefined;
  /**
   * In front of SQS: asked once per entry of each `SendMessageBatch` the proxy forwards; true takes
   * the entry out of the request and answers it in `Failed` (`InternalError`, not the sender's fault),
   * while the other entries are sent, as SQS fails entries of a call that succeeds.
   */
  failEntry?: (entry: SendBatchEntry) => boolean;
  /** Added before each request is forwarded, e.g. to model a network round trip to the service. @default 0 */
  latencyMs?: number;
};

export type FaultProxy = {
  /** Point a client (or a function's `AWS_ENDPOINT_URL_DYNAMODB`) here. */
  endpoint: string;
  /** Requests received, by operation, faulted ones included. */
  readonly requests: ReadonlyMap<string, number>;
  /** Faults injected, by kind; `failedEntry` counts SendMessageBatch entries failed by `failEntry`. */
  readonly faults: Readonly<Record<ProxyFault | 'failedEntry', number>>;
  /** Closes the server and every connection, held ones included. */
  stop(): Promise<void>;
};

// The JSON protocols of DynamoDB and SQS name the operation in this header: "DynamoDB_20120810.PutItem".
const operationOf = (req: IncomingMessage) =>
  String(req.headers['x-amz-target'] ?? 'unknown')
    .split('.')
    .at(-1)!;

// The error DynamoDB returns when a table's throughput is exceeded; the SDK treats it as throttling and retries.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
const UNAVAILABLE = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
  message: 'Internal server error (injected outage).',
});

const THROTTLED = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded (injected).',
});

/**
 * An HTTP proxy on 127.0.0.1 in front of a local AWS service (DynamoDB Local, the SQS emulator)
 * that counts requests by operation and injects faults chosen per request: throttling, requests
 * that never answer, writes whose answer never arrives and, in front of SQS, SendMessageBatch
 * entries that fail while the rest of the call succeeds. Give each function its own proxy to
 * count and fault it alone.
 *
 * @example
 * const proxy = await startFaultProxy({ target: stack.dynamodb.endpoint, decide: () => (Math.random() < 0.01 ? 'throttle' : undefined) });
 * // … AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint
 * proxy.requests.get('TransactWriteItems');
 * await proxy.stop();
 */
export const startFaultProxy = async (options: FaultProxyOptions): Promise<FaultProxy> => {
  if (
    typeof options?.target !== 'string' ||
    !URL.canParse(options.target) ||
    !/^https?:/.test(options.target)
  ) {
    invalidOption('startFaultProxy', 'target', "the service's http(s) URL", options?.target);
  }
  if (options.latencyMs !== undefined && !(Number.isFinite(options.latencyMs) && options.latencyMs >= 0)) {
    invalidOption('startFaultProxy', 'latencyMs', 'zero or more milliseconds', options.latencyMs);
  }
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  const requests = new Map<string, number>();
  const faults: Record<ProxyFault | 'failedEntry', number> = {
    throttle: 0,
    hang: 0,
    'hang-after': 0,
    unavailable: 0,
    failedEntry: 0,
  };

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const operation = operationOf(req);
    const sqs = isSqs(req.headers['x-amz-target'] as string | undefined);
    requests.set(operation, (requests.get(operation) ?? 0) + 1);
    const body = Buffer.concat(chunks);
    const fault = options.decide?.(operation, body.toString());
    if (fault) faults[fault] += 1;
    if (fault === 'throttle') {
      if (sqs) res.writeHead(sqsThrottled.status, sqsThrottled.headers).end(sqsThrottled.body);
      else res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(THROTTLED);
      return;
    }
    if (fault === 'unavailable') {
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' }).end(UNAVAILABLE);
      return;
    }
    if (fault === 'hang') return; // held until the caller gives up or the proxy stops
    const split =
      sqs && operation === 'SendMessageBatch' && options.failEntry
        ? splitSendBatch(body, options.failEntry)
        : { forward: body, failed: [] };
    faults.failedEntry += split.failed.length;
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    try {
      if (!split.forward) {
        // Every entry failed: SQS still answers 200, with each entry in Failed.
        const answer = withFailedEntries(undefined, split.failed);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(answer);
        return;
      }
      const answer = await forward(req, split.forward);
      if (fault === 'hang-after') return;
      if (split.failed.length === 0 || answer.status !== 200) {
        res.writeHead(answer.status, answer.headers).end(answer.body);
        return;
      }
      const merged = withFailedEntries(answer.body, split.failed);
      const { 'transfer-encoding': _chunked, ...headers } = answer.headers;
      res.writeHead(200, { ...headers, 'content-length': String(merged.length) }).end(merged);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`fault proxy: ${(error as Error).message}`);
    }
  };

  const server = createServer((req, res) => {
    // A caller that goes away mid-request (an aborted body, a reset socket) ends only its own exchange.
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    faults,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
};
