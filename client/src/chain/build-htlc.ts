// Builders for HTLC payouts: settle-htlc on the channel contract (the contract sends
// exactly the HTLC's amount, to whichever side the registry says) and reveal-secret on
// the secret registry (moves nothing). No I/O.
import { Cl } from '@stacks/transactions';
import { InvalidInputError } from '../errors/errors.js';
import { contractCall, type ContractCall } from './call.js';
import { channelAsset, sendsExactly } from './post-conditions.js';
import type { ChannelRecord } from './record.js';
import { tokenArg } from './tokens.js';
import { bytes } from './validate.js';

export interface SettleHtlcOptions {
  readonly contract: string;
  readonly channelId: Uint8Array;
  /** index of the HTLC in the channel's final state */
  readonly index: number;
  /** the finalised channel record (its token and HTLC list) */
  readonly record: Pick<ChannelRecord, 'token' | 'htlcs'>;
  readonly assetName?: string;
}

/** settle-htlc: the contract sends exactly the HTLC's amount. */
export function buildSettleHtlc(o: SettleHtlcOptions): ContractCall {
  const htlc = o.record.htlcs[o.index];
  if (!Number.isSafeInteger(o.index) || htlc === undefined) {
    throw new InvalidInputError('NO_SUCH_HTLC', `the record has no HTLC at index ${o.index}`, {
      details: { index: o.index, count: o.record.htlcs.length },
    });
  }
  return contractCall(
    o.contract,
    'settle-htlc',
    [Cl.buffer(bytes(o.channelId, 32, 'channelId')), Cl.uint(o.index), tokenArg(o.record.token)],
    sendsExactly(o.contract, channelAsset(o.record.token, o.assetName), htlc.amount),
  );
}

export interface RevealSecretOptions {
  /** the secret registry, e.g. ST1….secret-registry */
  readonly registry: string;
  /** the 32-byte preimage */
  readonly secret: Uint8Array;
}

/** reveal-secret: records the preimage's reveal height; moves nothing. */
export function buildRevealSecret(o: RevealSecretOptions): ContractCall {
  return contractCall(o.registry, 'reveal-secret', [Cl.buffer(bytes(o.secret, 32, 'secret'))], []);
}
