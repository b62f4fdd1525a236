import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ConfigurationError } from '../../lib/errors.ts';

// NodejsFunction bundles with the esbuild it can require from aws-cdk-lib's own location, or with
// an `esbuild` on the PATH. With neither it builds a Docker image while the construct is created,
// which fails on a machine without Docker ("Cannot connect to the Docker daemon"), or runs for
// minutes where Docker exists. esbuild is an optional peer dependency: the runtime library does
// not need it, and only apps that synthesize these constructs install it (its platform binary
// comes by an install script, which some installs refuse).
const isInstalled = (): boolean => {
  try {
    const cdk = createRequire(import.meta.url).resolve('aws-cdk-lib');
    createRequire(cdk).resolve('esbuild/package.json');
    return true;
  } catch {
    const probe = spawnSync('esbuild', ['--version']);
    return probe.status === 0 && !probe.error;
  }
};

let installed: boolean | undefined;

/** Throws, before CDK would fall back to Docker, when no local esbuild can bundle the function. */
export const requireLocalEsbuild = (owner: string): void => {
  installed ??= isInstalled();
  if (!installed) {
    throw new ConfigurationError(
      `${owner}: esbuild is not installed, so CDK would bundle the function in Docker. ` +
        'Install esbuild in the app that synthesizes it: npm install --save-dev esbuild',
    );
  }
};
