// Edge checks for what callers hand the chain layer: principals, fixed-size byte
// strings and uint128 amounts. Each failure is an InvalidInputError naming the field, so
// a bad argument fails here with a reason instead of on-chain with a fee. No I/O.
import { InvalidInputError } from '../errors/errors.js';
import { isValidPrincipal } from '../codec/principal.js';
import { MAX_UINT128 } from '../codec/state.js';

/** A contract principal `ADDRESS.name` (the codec's principal rule), returned unchanged. */
export function contractPrincipal(value: string, field: string): `${string}.${string}` {
  if (typeof value !== 'string' || !value.includes('.') || !isValidPrincipal(value)) {
    throw new InvalidInputError('BAD_CONTRACT_PRINCIPAL', `${field}: not a contract principal: ${value}`, { details: { field, value } });
  }
  return value as `${string}.${string}`;
}

/** A standard or contract principal (the codec's principal rule), returned unchanged. */
export function principal(value: string, field: string): string {
  if (typeof value !== 'string' || !isValidPrincipal(value)) {
    throw new InvalidInputError('BAD_PRINCIPAL', `${field}: not a Stacks principal: ${value}`, { details: { field, value } });
  }
  return value;
}

export function bytes(value: Uint8Array, length: number, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new InvalidInputError('BAD_LENGTH', `${field}: expected ${length} bytes`, {
      details: { field, length: value instanceof Uint8Array ? value.length : null },
    });
  }
  return value;
}

export function uint128(value: bigint, field: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > MAX_UINT128) {
    throw new InvalidInputError('BAD_UINT', `${field}: not a uint128`, { details: { field, value: String(value) } });
  }
  return value;
}

/** Split `ADDRESS.name` into the two parts a contract call names. */
export function splitContract(value: string, field: string): { address: string; name: string } {
  const [address, name] = contractPrincipal(value, field).split('.') as [string, string];
  return { address, name };
}
