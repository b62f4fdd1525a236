import { relative } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_METADATA } from '../../lib/handler-metadata.ts';

export { HANDLER_METADATA };

export type ReliableFunctionProps = {
  /** Path of the handler's source file. */
  readonly entry: string;
  /** @default 'handler' */
  readonly handler?: string;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** The `Service` dimension of the reliability metrics (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
  /** @default {} */
  readonly environment?: Record<string, string>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
};

export const reliableFunctionDefaults = {
  handler: 'handler',
  timeout: Duration.seconds(30),
  memorySize: 512,
  logRetention: logs.RetentionDays.ONE_MONTH,
} as const;

/**
 * A Node.js 24 function on arm64, bundled by the local esbuild (never Docker) as ESM, with a
 * role that can write to its own log group and nothing else until granted more.
 */
export class ReliableFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: ReliableFunctionProps) {
    super(scope, id);
    this.timeout = props.timeout ?? reliableFunctionDefaults.timeout;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? reliableFunctionDefaults.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole, whose log permissions span every log group.
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handler ?? reliableFunctionDefaults.handler,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: this.timeout,
      memorySize: props.memorySize ?? reliableFunctionDefaults.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // Some CommonJS dependencies call require(); give the ESM bundle one.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    (this.fn.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA, {
      entry: relative(process.cwd(), props.entry),
      handler: props.handler ?? reliableFunctionDefaults.handler,
    });
  }
}
