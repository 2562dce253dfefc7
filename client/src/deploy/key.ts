// The deployer's private key, read from BITSTREAM_DEPLOYER_KEY and held so that it cannot
// leak by accident: it is checked (32-byte hex scalar in 1..n-1, optional 01 suffix for
// a compressed key, optional 0x), errors never quote it, and printing, inspecting or
// JSON-encoding the holder shows "[redacted]". Only `forSigning()` hands it out, to the
// transaction builder. No I/O.
import { privateKeyToAddress } from '@stacks/transactions';
import { CURVE_ORDER } from '../crypto/noble.js';
import { DeployError } from './errors.js';

export const DEPLOYER_KEY_ENV = 'BITSTREAM_DEPLOYER_KEY';

const REDACTED = '[redacted deployer key]';

export class DeployerKey {
  readonly #hex: string; // 64 hex digits + "01": the compressed-key form stacks.js signs with

  private constructor(hex: string) {
    this.#hex = hex;
  }

  /** Parse the key from `env`; DEPLOY_KEY_MISSING / DEPLOY_KEY_INVALID otherwise. */
  static fromEnv(env: Readonly<Record<string, string | undefined>>): DeployerKey {
    const raw = env[DEPLOYER_KEY_ENV];
    if (raw === undefined || raw.trim() === '') {
      throw new DeployError('DEPLOY_KEY_MISSING', `${DEPLOYER_KEY_ENV} is not set: export the deployer's hex private key`);
    }
    return DeployerKey.fromHex(raw);
  }

  static fromHex(raw: string): DeployerKey {
    const hex = raw.trim().replace(/^0x/i, '').toLowerCase();
    // the message describes the shape expected, never the value given
    if (!/^[0-9a-f]{64}(01)?$/.test(hex)) {
      throw new DeployError('DEPLOY_KEY_INVALID', `${DEPLOYER_KEY_ENV} must be 64 hex digits, optionally followed by 01`);
    }
    const scalar = BigInt(`0x${hex.slice(0, 64)}`);
    if (scalar === 0n || scalar >= CURVE_ORDER) {
      throw new DeployError('DEPLOY_KEY_INVALID', `${DEPLOYER_KEY_ENV} is not a valid secp256k1 private key`);
    }
    return new DeployerKey(`${hex.slice(0, 64)}01`);
  }

  /** The key's standard principal on `network`'s chain. */
  address(network: 'mainnet' | 'testnet'): string {
    return privateKeyToAddress(this.#hex, network);
  }

  /** The hex key, for makeContractDeploy only. */
  forSigning(): string {
    return this.#hex;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
