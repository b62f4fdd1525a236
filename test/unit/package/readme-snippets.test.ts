import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// Inside the repository, so the snippets' imports of zod or the SDK resolve from node_modules.
const dir = join(root, 'node_modules', '.cache', `readme-snippets-${process.pid}`);

// Names the snippets use as their prose assumes them: an order, the Lambda context, and the local
// stack, deployment and function of the snippets before. A snippet's own declaration shadows these.
const ASSUMED = `type Order = { id: string; customerId: string; amount: number };
declare const order: Order;
declare const lambdaContext: import('aws-lambda').Context;
declare const stack: import('reliable-events/local').LocalStack;
declare const deployment: import('reliable-events/local').LocalDeployment;
declare const capture: import('reliable-events/local').LocalFunction;
`;

/** The README and the reference pages under docs/, as paths from the repository's root. */
const pages = () => [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** Each ```ts block of a page with the page and the line it starts on. */
const snippets = (page: string, markdown: string) =>
  [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => ({
    page,
    code: match[1]!,
    line: markdown.slice(0, match.index).split('\n').length + 1,
  }));

/** `reliable-events/<subpath>` → the source the package's export map builds it from. */
const sourcePaths = (): Record<string, string[]> => {
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, { types: string }>;
  };
  return Object.fromEntries(
    Object.entries(exports).map(([subpath, { types }]) => [
      `reliable-events${subpath.slice(1)}`,
      [join(root, types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'))],
    ]),
  );
};

describe('the README and docs/', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has TypeScript snippets that compile against the package as published', async () => {
    const blocks = pages().flatMap((page) => snippets(page, readFileSync(join(root, page), 'utf8')));
    // The README's own and the reference's: a page that stops being read would drop its blocks.
    expect(new Set(blocks.map((block) => block.page))).toEqual(
      new Set([
        'README.md',
        'docs/idempotency.md',
        'docs/sqs-batch.md',
        'docs/producer.md',
        'docs/cdk.md',
        'docs/command.md',
        'docs/local-runtime.md',
      ]),
    );
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'assumed.d.ts'), ASSUMED);
    for (const [i, { code }] of blocks.entries()) {
      writeFileSync(join(dir, `snippet-${i}.ts`), `${code}\nexport {};\n`);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(root, 'tsconfig.json'),
        compilerOptions: { paths: sourcePaths(), noEmit: true },
        include: [dir],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const output = await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')])
      .then(() => '')
      .catch((error: { stdout: string }) => error.stdout);
    // Each error located at its page and line instead of the generated file's.
    const errors = output
      .split('\n')
      .filter((line) => /^\S.*error TS/.test(line))
      .map((line) =>
        line.replace(
          /^.*snippet-(\d+)\.ts\((\d+),\d+\)/,
          (_, i, l) => `${blocks[Number(i)]!.page}:${blocks[Number(i)]!.line + Number(l) - 1}`,
        ),
      );
    expect(errors).toEqual([]);
  }, 120_000);
});
