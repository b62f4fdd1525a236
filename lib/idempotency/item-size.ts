import { NumberValueImpl } from '@aws-sdk/util-dynamodb';

/**
 * The size DynamoDB bills and limits for a value in the document client's shape, by the rules of
 * the developer guide (item sizes: a string its UTF-8 bytes, a number about one byte per two
 * digits plus one, binary its length, a list or map 3 bytes plus one per element, attribute
 * names their UTF-8 bytes). Every value the SDK marshals is measured — BigInt, NumberValue, Sets,
 * Uint8Array/Buffer, nested maps — without JSON (which throws on a BigInt).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export const sizeOf = (value: unknown, depth = 0): number => {
  // DynamoDB nests at most 32 levels; past that the request is refused anyway.
  if (depth > 40) return 0;
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof NumberValueImpl) {
    const digits = String(value)
      .replace(/[^0-9]/g, '')
      .replace(/^0+/, '').length;
    return Math.ceil(digits / 2) + 1;
  }
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof Set) {
    let bytes = 0;
    for (const element of value) bytes += sizeOf(element, depth + 1);
    return bytes;
  }
  if (Array.isArray(value)) {
    let bytes = 3;
    for (const element of value) bytes += 1 + sizeOf(element, depth + 1);
    return bytes;
  }
  if (value instanceof Map) {
    let bytes = 3;
    for (const [name, element] of value)
      bytes += 1 + Buffer.byteLength(String(name)) + sizeOf(element, depth + 1);
    return bytes;
  }
  if (typeof value === 'object') {
    let bytes = depth === 0 ? 0 : 3;
    for (const [name, element] of Object.entries(value as Record<string, unknown>)) {
      if (element === undefined) continue;
      bytes += (depth === 0 ? 0 : 1) + Buffer.byteLength(name) + sizeOf(element, depth + 1);
    }
    return bytes;
  }
  return Buffer.byteLength(String(value));
};

/** The bytes one transaction action sends: its item, key and expression values. */
export const actionSize = (action: Record<string, unknown>): number => {
  const input = Object.values(action)[0] as Record<string, unknown> | undefined;
  if (!input) return 0;
  return (
    sizeOf(input.Item) +
    sizeOf(input.Key) +
    sizeOf(input.ExpressionAttributeValues) +
    Buffer.byteLength(String(input.UpdateExpression ?? '')) +
    Buffer.byteLength(String(input.ConditionExpression ?? ''))
  );
};
