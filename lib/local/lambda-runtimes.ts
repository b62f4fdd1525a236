/** How the local runtime runs a function of a given Lambda runtime, or why it does not. */
export type RuntimeSupport =
  | {
      runs: true;
      /** Whether a callback-style handler `(event, context, callback)` is allowed. */
      callbacks: boolean;
      /** Whether a `.js` file with no `"type"` is run as an ES module when its syntax says so. */
      detectsModules: boolean;
    }
  | { runs: false; reason: string };

// The Node.js runtimes Lambda runs today, and the oldest one still open to functions: older ones
// (nodejs18.x and before) are deprecated, so a function on one is never emulated on this Node.
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
const OLDEST_NODE = 20;
// Lambda removed callback-style handlers from nodejs24.x: "Lambda supports callback-based function
// handlers for Node.js 22 and earlier runtimes only"; from Node.js 24 a handler must be async.
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
const LAST_WITH_CALLBACKS = 22;
// Lambda turns Node's ES-module syntax detection off up to Node.js 22 (--no-experimental-detect-module):
// there a `.js` file with no "type" is CommonJS, whatever its syntax.
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html
const LAST_WITHOUT_DETECTION = 22;

/**
 * Whether a function of `runtime` (the template's `Runtime`, e.g. `nodejs22.x`) runs locally.
 *
 * @example
 * runtimeSupport('nodejs22.x'); // { runs: true, callbacks: true, detectsModules: false }
 * runtimeSupport('nodejs16.x'); // { runs: false, reason: 'runtime nodejs16.x is deprecated by Lambda: …' }
 */
export const runtimeSupport = (runtime: string): RuntimeSupport => {
  if (!runtime.startsWith('nodejs'))
    return {
      runs: false,
      reason: `runtime ${runtime || '(none: a container image)'}: only Node.js functions run locally`,
    };
  const major = Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1] ?? Number.NaN);
  if (!(major >= OLDEST_NODE))
    return {
      runs: false,
      reason: `runtime ${runtime} is deprecated by Lambda and is not emulated: move the function to nodejs22.x or nodejs24.x`,
    };
  return {
    runs: true,
    callbacks: major <= LAST_WITH_CALLBACKS,
    detectsModules: major > LAST_WITHOUT_DETECTION,
  };
};

// `require('aws-sdk')`, `from 'aws-sdk/clients/sqs'`, `import('aws-sdk')`, or v2 bundled in
// (esbuild keeps the path of each bundled module in a comment).
const SDK_V2 = /(?:require\(\s*|from\s*|import\(\s*)["']aws-sdk(?:\/[^"']*)?["']|node_modules\/aws-sdk\//;

/**
 * Whether a function's code uses the AWS SDK for JavaScript v2 (`aws-sdk`). v2 ignores the
 * `AWS_ENDPOINT_URL_*` variables that point v3 clients at the local stack, so its calls would
 * reach real AWS endpoints; Lambda's Node.js runtimes from nodejs18.x on include only v3.
 */
export const usesAwsSdkV2 = (source: string): boolean => SDK_V2.test(source);
