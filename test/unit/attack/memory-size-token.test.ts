import { describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../../lib/local/deploy-functions.ts';
import { heapLimits, lambdaEnvironment } from '../../../lib/local/lambda-environment.ts';

// deployLocal reads MemorySize with Number(resource.Properties.MemorySize): a CloudFormation
// token ({ Ref: 'MemoryParameter' }, { 'Fn::If': … }) becomes NaN. The sandbox then got no heap
// limit at all (V8 ignores NaN: the host's full heap) and the handler read "NaN" as its memory.
const fn = (memoryMb: number | undefined): LocalFunction => ({
  logicalId: 'Consumer',
  entry: '/dev/null',
  handler: 'handler',
  environment: {},
  timeoutMs: 3000,
  ...(memoryMb === undefined ? {} : { memoryMb }),
});

describe('a function whose MemorySize deployLocal could not read (a token)', () => {
  it('gets the default 128 MB heap, not an unlimited one', () => {
    const limits = heapLimits(fn(Number({ Ref: 'MemoryParameter' })));
    expect(Number.isFinite(limits.maxOldGenerationSizeMb)).toBe(true);
    expect(Number.isFinite(limits.maxYoungGenerationSizeMb)).toBe(true);
    expect(limits.maxOldGenerationSizeMb + limits.maxYoungGenerationSizeMb).toBe(128);
  });

  it('tells its handler a memory size, not "NaN"', () => {
    expect(lambdaEnvironment(fn(Number.NaN)).AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe('128');
  });

  it('keeps what it could read: 128, 1769, 10240 and none', () => {
    expect(heapLimits(fn(128))).toEqual({ maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 116 });
    expect(heapLimits(fn(10240))).toEqual({ maxYoungGenerationSizeMb: 1024, maxOldGenerationSizeMb: 9216 });
    expect(heapLimits(fn(1769)).maxOldGenerationSizeMb).toBe(1769 - 176);
    expect(lambdaEnvironment(fn(undefined)).AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe('128');
  });
});
