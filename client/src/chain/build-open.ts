// Builders for the calls that open a channel or add to it: create-channel, fund-channel,
// add-signer. Each returns deny-mode contract-call options; the payer's post-condition
// says it sends exactly the deposit. Builders only build: no signing, no I/O.
import { Cl } from '@stacks/transactions';
import { InvalidInputError } from '../errors/errors.js';
import { contractCall, type ContractCall } from './call.js';
import { channelAsset, sendsExactly } from './post-conditions.js';
import { signedArgs, type SignedState } from './signed.js';
import { tokenArg } from './tokens.js';
import { bytes, principal, uint128 } from './validate.js';

const optionalKey = (key: Uint8Array | undefined) => (key === undefined ? Cl.none() : Cl.some(Cl.buffer(bytes(key, 33, 'signer'))));

export interface CreateChannelOptions {
  /** the channel contract, e.g. ST1….bitstream */
  readonly contract: string;
  /** the transaction sender, who becomes participant-a and pays `amount` */
  readonly sender: string;
  readonly participantB: string;
  /** SIP-010 token contract, null for STX */
  readonly token: string | null;
  /** the token's asset name, if it is not in KNOWN_TOKEN_ASSETS */
  readonly assetName?: string;
  readonly amount: bigint;
  /** dispute window in burn blocks */
  readonly window: bigint;
  /** a session key to authorise for the sender (33-byte compressed) */
  readonly signer?: Uint8Array;
}

/** create-channel: the sender sends exactly `amount`. */
export function buildCreateChannel(o: CreateChannelOptions): ContractCall {
  return contractCall(
    o.contract,
    'create-channel',
    [
      Cl.principal(principal(o.participantB, 'participantB')),
      tokenArg(o.token),
      Cl.uint(uint128(o.amount, 'amount')),
      Cl.uint(uint128(o.window, 'window')),
      optionalKey(o.signer),
    ],
    sendsExactly(o.sender, channelAsset(o.token, o.assetName), o.amount),
  );
}

export interface FundChannelOptions {
  readonly contract: string;
  /** a co-signed `deposit` state whose actor is the sender */
  readonly signed: SignedState;
  readonly token: string | null;
  readonly assetName?: string;
  readonly signer?: Uint8Array;
}

/** fund-channel: the state's actor (the sender) sends exactly the state's amount. */
export function buildFundChannel(o: FundChannelOptions): ContractCall {
  const actor = o.signed.state.actor;
  if (actor === null) throw new InvalidInputError('NO_ACTOR', 'a deposit state names its depositor as actor');
  return contractCall(
    o.contract,
    'fund-channel',
    [...signedArgs('fund-channel', o.signed), tokenArg(o.token), optionalKey(o.signer)],
    sendsExactly(actor, channelAsset(o.token, o.assetName), o.signed.state.amount),
  );
}

export interface AddSignerOptions {
  readonly contract: string;
  readonly channelId: Uint8Array;
  /** the key to authorise for the sender (33-byte compressed) */
  readonly key: Uint8Array;
}

/** add-signer: moves nothing, so no post-conditions (deny mode forbids any transfer). */
export function buildAddSigner(o: AddSignerOptions): ContractCall {
  return contractCall(o.contract, 'add-signer', [Cl.buffer(bytes(o.channelId, 32, 'channelId')), Cl.buffer(bytes(o.key, 33, 'key'))], []);
}
