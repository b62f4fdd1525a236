import { relative } from 'node:path';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_METADATA } from '../../lib/handler-metadata.ts';
import { requireLocalEsbuild } from './esbuild.ts';
import { propChecks } from './prop-checks.ts';

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
  /**
   * Bundle a source map and run with `--enable-source-maps`, so stack traces name `.ts` lines.
   * Off by default: the map is several times the code (an `sqsBatch` consumer with a zod schema:
   * 0.5 MB of code, a 1.8 MB map), and Node reads and parses it on every cold start
   * (`npm run bench:cold-start`: about 6 ms more CPU for a 0.48 MB map). Error names stay readable
   * without it: the bundle keeps class and function names.
   * @default false
   */
  readonly sourceMap?: boolean;
};

export const reliableFunctionDefaults = {
  handler: 'handler',
  timeout: Duration.seconds(30),
  memorySize: 512,
  logRetention: logs.RetentionDays.ONE_MONTH,
  sourceMap: false,
} as const;

// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 };
const LAMBDA_ENVIRONMENT_BYTES = 4096;

/**
 * Rejects at synth what Lambda would reject at deploy time, and values of the wrong type, naming
 * the prop. Token values (resolved at deploy time) pass; the environment's size counts only the
 * variables whose values are known now.
 */
export const checkFunctionProps = (owner: string, props: Partial<ReliableFunctionProps>): void => {
  const check = propChecks(owner);
  check.string('entry', props.entry, "the path of the handler's source file");
  if (props.handler !== undefined) check.string('handler', props.handler, 'the name of an exported function');
  if (props.timeout !== undefined)
    check.duration('timeout', props.timeout, 1, LAMBDA_MAX_TIMEOUT_SECONDS, " (Lambda's limit)");
  if (props.memorySize !== undefined)
    check.integer(
      'memorySize',
      props.memorySize,
      LAMBDA_MEMORY_MB.min,
      LAMBDA_MEMORY_MB.max,
      " MB (Lambda's limit)",
    );
  if (props.sourceMap !== undefined && typeof props.sourceMap !== 'boolean')
    check.must('sourceMap', 'true or false', props.sourceMap);
  if (props.environment !== undefined) {
    if (typeof props.environment !== 'object' || props.environment === null)
      check.must('environment', 'an object of strings', props.environment);
    let bytes = 0;
    for (const [name, value] of Object.entries(props.environment)) {
      if (typeof value !== 'string') check.must(`environment.${name}`, 'a string', value);
      if (!Token.isUnresolved(value)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    }
    if (bytes > LAMBDA_ENVIRONMENT_BYTES)
      check.fail(
        `environment holds ${bytes} bytes of names and values; Lambda allows ${LAMBDA_ENVIRONMENT_BYTES} in all. Move large values to SSM Parameter Store or the code.`,
      );
  }
};

/**
 * A Node.js 24 function on arm64, bundled by the local esbuild (never Docker: without esbuild
 * installed it fails at synth, saying so) as minified ESM that keeps class and function names,
 * with a role that can write to its own log group and nothing else until granted more.
 *
 * @example
 * new ReliableFunction(this, 'Api', { entry: 'functions/api.ts', serviceName: 'api', memorySize: 1024 });
 */
export class ReliableFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: ReliableFunctionProps) {
    super(scope, id);
    const owner = `ReliableFunction ${this.node.path}`;
    checkFunctionProps(owner, props);
    propChecks(owner).string('serviceName', props.serviceName);
    requireLocalEsbuild(owner);
    const sourceMap = props.sourceMap ?? reliableFunctionDefaults.sourceMap;
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
        ...(sourceMap ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        // A minifier renames classes; errors and logs name them, and users compare `err.name`.
        keepNames: true,
        sourceMap,
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
