import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidOption } from '../options.ts';

/**
 * What the proxy does to one request instead of passing it through:
 * - `'throttle'`: answers 400 `ProvisionedThroughputExceededException` without forwarding (the SDK retries it);
 * - `'hang'`: never forwards and never answers, as a call cut off by a timeout or a crash mid-request;
 * - `'hang-after'`: forwards (the write lands) and never answers: the caller dies after its effect.
 */
export type ProxyFault = 'throttle' | 'hang' | 'hang-after';

export type FaultProxyOptions = {
  /** Where requests go, e.g. DynamoDB Local's endpoint. */
  target: string;
  /** Asked once per request with its operation (`PutItem`, `TransactWriteItems`…): a fault, or undefined to pass it through. */
  decide?: (operation: string) => ProxyFault | undefined;
  /** Added before each request is forwarded, e.g. to model a network round trip to the service. @default 0 */
  latencyMs?: number;
};

export type FaultProxy = {
  /** Point a client (or a function's `AWS_ENDPOINT_URL_DYNAMODB`) here. */
  endpoint: string;
  /** Requests received, by operation, faulted ones included. */
  readonly requests: ReadonlyMap<string, number>;
  /** Faults injected, by kind. */
  readonly faults: Readonly<Record<ProxyFault, number>>;
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
const THROTTLED = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded (injected).',
});

/**
 * An HTTP proxy on 127.0.0.1 in front of a local AWS service that counts requests by operation
 * and injects faults chosen per request: throttling, requests that never answer, and writes
 * whose answer never arrives. Give each function its own proxy to count and fault it alone.
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
  const faults: Record<ProxyFault, number> = { throttle: 0, hang: 0, 'hang-after': 0 };

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
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
    requests.set(operation, (requests.get(operation) ?? 0) + 1);
    const fault = options.decide?.(operation);
    if (fault) faults[fault] += 1;
    if (fault === 'throttle') {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(THROTTLED);
      return;
    }
    if (fault === 'hang') return; // held until the caller gives up or the proxy stops
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    try {
      const answer = await forward(req, Buffer.concat(chunks));
      if (fault === 'hang-after') return;
      res.writeHead(answer.status, answer.headers).end(answer.body);
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
