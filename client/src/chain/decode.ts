// Typed decoding of Clarity values that come back from the chain (read-only results,
// print events). This module owns the edge checks: every value is checked for its
// Clarity type once, here, and comes out as a bigint, a Uint8Array, a principal string
// or null, with a precise DecodeError naming the field otherwise. It knows no contract
// shapes (record.ts and events.ts do) and does no I/O.
import type { ClarityValue, TupleCV } from '@stacks/transactions';
import { BitStreamError } from '../errors/errors.js';
import { hexToBytes } from '@noble/hashes/utils.js';

/** A chain value that does not have the shape the contract promises. */
export class DecodeError extends BitStreamError {
  constructor(field: string, expected: string, got: string) {
    super('CHAIN_DECODE', `${field}: expected ${expected}, got ${got}`, { details: { field, expected, got } });
  }
}

export function asUint(cv: ClarityValue, field: string): bigint {
  if (cv.type !== 'uint') throw new DecodeError(field, 'uint', cv.type);
  return BigInt(cv.value);
}

export function asBool(cv: ClarityValue, field: string): boolean {
  if (cv.type === 'true') return true;
  if (cv.type === 'false') return false;
  throw new DecodeError(field, 'bool', cv.type);
}

export function asBuffer(cv: ClarityValue, field: string, length?: number): Uint8Array {
  if (cv.type !== 'buffer') throw new DecodeError(field, 'buffer', cv.type);
  const bytes = hexToBytes(cv.value);
  if (length !== undefined && bytes.length !== length) throw new DecodeError(field, `buffer of ${length} bytes`, `${bytes.length} bytes`);
  return bytes;
}

export function asPrincipal(cv: ClarityValue, field: string): string {
  if (cv.type !== 'address' && cv.type !== 'contract') throw new DecodeError(field, 'principal', cv.type);
  return cv.value;
}

export function asAscii(cv: ClarityValue, field: string): string {
  if (cv.type !== 'ascii') throw new DecodeError(field, 'string-ascii', cv.type);
  return cv.value;
}

/** `(optional T)` → T | null. */
export function asOptional<T>(cv: ClarityValue, field: string, inner: (v: ClarityValue, f: string) => T): T | null {
  if (cv.type === 'none') return null;
  if (cv.type === 'some') return inner(cv.value, field);
  throw new DecodeError(field, 'optional', cv.type);
}

export function asList<T>(cv: ClarityValue, field: string, item: (v: ClarityValue, f: string) => T): T[] {
  if (cv.type !== 'list') throw new DecodeError(field, 'list', cv.type);
  return cv.value.map((v, i) => item(v, `${field}[${i}]`));
}

export function asTuple(cv: ClarityValue, field: string): TupleCV['value'] {
  if (cv.type !== 'tuple') throw new DecodeError(field, 'tuple', cv.type);
  return cv.value;
}

/** A named entry of a tuple, which must be present. */
export function entry(tuple: TupleCV['value'], key: string, field: string): ClarityValue {
  const v = tuple[key];
  if (v === undefined) throw new DecodeError(`${field}.${key}`, 'a value', 'nothing');
  return v;
}
