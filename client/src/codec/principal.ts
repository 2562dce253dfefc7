// Stacks principals as the state's `actor` field carries them: parsing and checking a
// principal string (c32check address, optional contract name) and its consensus bytes.
// Only canonical spellings are accepted, so decode(encode(p)) === p.
import { addressToString, createAddress } from '@stacks/transactions';

/** Clarity's contract-name rule; 128 is the longest name the wire format can carry. */
const CONTRACT_NAME = /^[a-zA-Z]([a-zA-Z0-9]|[-_])*$/;
export const MAX_CONTRACT_NAME = 128;

export interface ParsedPrincipal {
  readonly version: number;
  readonly hash160: Uint8Array;
  readonly contractName: string | null;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The parts of a principal, or null if it is not a valid canonical principal. */
export function parsePrincipal(principal: string): ParsedPrincipal | null {
  if (typeof principal !== 'string') return null;
  const dot = principal.indexOf('.');
  const address = dot === -1 ? principal : principal.slice(0, dot);
  const contractName = dot === -1 ? null : principal.slice(dot + 1);
  if (contractName !== null && (contractName.length > MAX_CONTRACT_NAME || !CONTRACT_NAME.test(contractName))) return null;
  let parsed: { version: number; hash160: string };
  try {
    parsed = createAddress(address); // verifies the c32check checksum
  } catch {
    return null;
  }
  // c32 decoding forgives lower case and look-alike letters; the contract's principal
  // and our hash would still agree, but a non-canonical string would not round-trip
  if (addressToString({ version: parsed.version, hash160: parsed.hash160 } as Parameters<typeof addressToString>[0]) !== address)
    return null;
  return { version: parsed.version, hash160: hexToBytes(parsed.hash160), contractName };
}


const cache = new Map<string, Uint8Array | null>();
const CACHE_LIMIT = 1024;

/**
 * Consensus bytes of a principal value: 0x05 version hash160, or 0x06 version hash160
 * name-length name. null if invalid. Cached: a channel sees only a few actors.
 */
export function principalBytes(principal: string): Uint8Array | null {
  const hit = cache.get(principal);
  if (hit !== undefined) return hit;
  const p = parsePrincipal(principal);
  let out: Uint8Array | null = null;
  if (p !== null) {
    const name = p.contractName === null ? null : new TextEncoder().encode(p.contractName);
    out = new Uint8Array(22 + (name === null ? 0 : 1 + name.length));
    out[0] = name === null ? 0x05 : 0x06;
    out[1] = p.version;
    out.set(p.hash160, 2);
    if (name !== null) {
      out[22] = name.length;
      out.set(name, 23);
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(principal, out);
  return out;
}

export function isValidPrincipal(principal: string): boolean {
  return typeof principal === 'string' && principalBytes(principal) !== null;
}
