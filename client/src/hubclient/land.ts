// What a hub client with no node of its own sends through the account's wallet once the
// channel is open: a deposit (fund-channel), a withdraw, the cooperative close, the
// unilateral close (initiate-dispute or emergency-close, PROTOCOL §6.4) and the resolve
// after the window. Each co-signs the state with the hub first where the contract wants
// one, has the wallet send the call the chain layer builds (deny-mode post-conditions),
// waits for it to be mined and tells the channel it landed. The wallet and the chain are
// injected, as for openWithHub.
import { buildCloseChannel, buildResolve, buildUnilateralClose } from '../chain/build-close.js';
import { buildFundChannel } from '../chain/build-open.js';
import { buildWithdraw } from '../chain/build-update.js';
import type { ContractCall } from '../chain/call.js';
import { failedCallCode } from '../chain/errors.js';
import type { ChannelRecord } from '../chain/record.js';
import type { SignedState as ChainSignedState } from '../chain/signed.js';
import type { Channel } from '../channel/channel.js';
import type { SignedState } from '../store/types.js';
import { fullySigned } from '../watchtower/sources.js';
import { HubClientCode, HubClientError } from './errors.js';
import type { OpenTx } from './open.js';

/** The account's wallet and the chain, as a page has them (stx_callContract and the Hiro API). */
export interface WalletChain {
  /** send the call (stx_callContract); resolve with its txid */
  callContract(call: ContractCall): Promise<string>;
  /** resolve once `txid` is mined (or failed) */
  mined(txid: string): Promise<OpenTx>;
  /** where it is, for a person watching */
  onProgress?(what: string): void;
}

export interface LandOptions {
  readonly contract: string;
  /** the channel's token (null: STX) */
  readonly token: string | null;
  readonly wallet: WalletChain;
}

export interface Landed {
  readonly txid: string;
  readonly burnHeight: bigint;
  /** the state that landed (for deposit, withdraw and close) */
  readonly state: SignedState | null;
}

/** Deposit `amount` more: the hub co-signs the deposit state, the wallet sends fund-channel. */
export async function depositThroughWallet(channel: Channel, amount: bigint, o: LandOptions): Promise<Landed> {
  const s = await channel.deposit(amount);
  return land(channel, 'fund-channel', buildFundChannel({ contract: o.contract, signed: both(s), token: o.token }), s, o.wallet);
}

/** Withdraw `amount` to the account: the hub co-signs the withdraw state, the wallet sends withdraw. */
export async function withdrawThroughWallet(channel: Channel, amount: bigint, o: LandOptions): Promise<Landed> {
  const s = await channel.withdraw(amount);
  return land(channel, 'withdraw', buildWithdraw({ contract: o.contract, signed: both(s), token: o.token }), s, o.wallet);
}

/** Cooperative close: the hub co-signs the close state, the wallet sends close-channel and both sides are paid at once. */
export async function closeThroughWallet(channel: Channel, o: LandOptions): Promise<Landed> {
  const s = await channel.closeState();
  const landed = await land(channel, 'close-channel', buildCloseChannel({ contract: o.contract, signed: both(s), token: o.token }), s, o.wallet);
  channel.close();
  return landed;
}

/**
 * Close without the hub: initiate-dispute with the newest state both signed if it is newer
 * than the on-chain checkpoint `floor`, else emergency-close from the checkpoint. The
 * window then runs; resolveThroughWallet pays out once it has passed.
 */
export async function forceCloseThroughWallet(channel: Channel, floor: bigint, o: Omit<LandOptions, 'token'>): Promise<Landed> {
  const closable = channel.closable;
  const call = buildUnilateralClose({ contract: o.contract, channelId: channel.channelId, floor, closable });
  channel.close();
  return send(call.functionName, call, o.wallet);
}

/** resolve: once the window has passed, the contract pays both sides as the closing state says (a cheater's share to the other). */
export function resolveThroughWallet(
  channelId: Uint8Array,
  record: Pick<ChannelRecord, 'participantA' | 'participantB' | 'balanceA' | 'balanceB' | 'cheater' | 'token'>,
  o: Omit<LandOptions, 'token'>,
): Promise<Landed> {
  return send('resolve', buildResolve({ contract: o.contract, channelId, record }), o.wallet);
}

async function land(channel: Channel, kind: string, call: ContractCall, s: SignedState, wallet: WalletChain): Promise<Landed> {
  const landed = await send(kind, call, wallet);
  channel.confirmOnChain(s.state.nonce, landed.burnHeight);
  return { ...landed, state: s };
}

async function send(kind: string, call: ContractCall, wallet: WalletChain): Promise<Landed> {
  const txid = await wallet.callContract(call);
  wallet.onProgress?.(`${kind} ${txid} sent; waiting for it to be mined`);
  const tx = await wallet.mined(txid);
  if (tx.status !== 'success' || tx.result === null || tx.result.type !== 'ok' || tx.burnHeight === null) {
    const code = failedCallCode(tx);
    throw new HubClientError(HubClientCode.ChainFailed, `${kind} ${txid} failed on-chain: ${code}`, { details: { txid, status: tx.status, code } });
  }
  wallet.onProgress?.(`${kind} mined at burn height ${tx.burnHeight}`);
  return { txid, burnHeight: tx.burnHeight, state: null };
}

function both(s: SignedState): ChainSignedState {
  const signed = fullySigned(s);
  if (signed === null) throw new HubClientError(HubClientCode.NotNow, `state ${s.state.nonce} is not signed by both sides`);
  return signed;
}
