// Opening a channel with a hub from a client that has no node of its own (a page): the
// hub agrees to the terms over the peer session (open-offer), the account's wallet sends
// create-channel with the deny-mode post-conditions the builder makes and the session
// key as the channel's signer, and once it is mined the hub is told (open-created) and
// checks it on-chain before it holds it. The result is this side's Channel, signed by
// the session key alone from then on. The wallet and the chain are injected: in a page
// `stx_callContract` and the Hiro API, in tests a key and the local chain.
import type { ClarityValue } from '@stacks/transactions';
import { buildCreateChannel } from '../chain/build-open.js';
import type { ContractCall } from '../chain/call.js';
import { Channel, type ChannelConfig } from '../channel/channel.js';
import { openingState } from '../codec/state.js';
import type { PeerSession } from '../peer/session.js';
import type { Signer } from '../signers/signer.js';
import type { StateStore } from '../store/types.js';
import { fromHex, toHex } from '../wire/json.js';
import { HubClientCode, HubClientError } from './errors.js';

/** A mined transaction as far as opening needs it. */
export interface OpenTx {
  readonly status: string;
  readonly result: ClarityValue | null;
  readonly burnHeight: bigint | null;
}

export interface OpenWithHubOptions {
  /** the authenticated session with the hub (HubLink.ready) */
  readonly session: PeerSession;
  /** the account that deposits and is participant-a */
  readonly account: string;
  readonly contract: string;
  readonly chainId: number;
  /** the session key's signer: it signs every state; its key is create-channel's signer */
  readonly signer: Signer & { readonly publicKey: Uint8Array };
  readonly token: string | null;
  readonly amount: bigint;
  /** dispute window in burn blocks (the hub must take it) */
  readonly window: bigint;
  readonly store: StateStore;
  /** the wallet: send the call (stx_callContract), resolve with its txid */
  callContract(call: ContractCall): Promise<string>;
  /**
   * the txid of a create-channel with these terms this account already sent (a reload
   * between the wallet's send and the hub's taking it): the offer is made again, the
   * wallet is not asked, and the open goes on from that transaction
   */
  readonly sent?: string;
  /** resolve once `txid` is mined (or failed) */
  mined(txid: string): Promise<OpenTx>;
  /** the chain tip now */
  heights(): Promise<{ readonly burn: bigint; readonly tenure: bigint }>;
  /** where it is, for a person watching */
  onProgress?(what: string): void;
}

/** Open a channel with the session's hub; resolves with this side's Channel once the hub holds it. */
export async function openWithHub(o: OpenWithHubOptions): Promise<{ channel: Channel; channelId: string; txid: string; burnHeight: bigint }> {
  const offer = { token: o.token, amount: o.amount.toString(), window: o.window.toString() };
  try {
    await o.session.request('open-offer', offer, 15_000);
  } catch (e) {
    throw new HubClientError(HubClientCode.OpenRefused, `the hub refused the channel: ${(e as Error).message}`, { cause: e, details: { offer } });
  }
  let txid: string;
  if (o.sent !== undefined) {
    txid = o.sent;
  } else {
    o.onProgress?.('the hub agreed; the wallet sends create-channel');
    const call = buildCreateChannel({
      contract: o.contract, sender: o.account, participantB: o.session.principal, token: o.token, amount: o.amount, window: o.window, signer: o.signer.publicKey,
    });
    txid = await o.callContract(call);
  }
  o.onProgress?.(`create-channel ${txid} sent; waiting for it to be mined`);
  const tx = await o.mined(txid);
  if (tx.status !== 'success' || tx.result === null || tx.result.type !== 'ok' || tx.result.value.type !== 'buffer' || tx.burnHeight === null) {
    throw new HubClientError(HubClientCode.OpenFailed, `create-channel ${txid} did not open a channel: ${tx.status}`, { details: { txid, status: tx.status } });
  }
  const channelId = tx.result.value.value.replace(/^0x/, '');
  o.onProgress?.(`channel ${channelId} mined; the hub checks it on-chain`);
  try {
    await o.session.request('open-created', { channelId, txid: txid.replace(/^0x/, ''), offer }, 30_000);
  } catch (e) {
    // the deposit is on-chain and ours alone to close (emergency-close after the window)
    throw new HubClientError(HubClientCode.OpenRefused, `the hub did not take channel ${channelId}: ${(e as Error).message}`, { cause: e, details: { channelId, txid } });
  }
  const tip = await o.heights();
  const id = fromHex(channelId);
  const channel = await Channel.open(hubChannelConfig(o, id, tip), openingState(id, o.amount));
  channel.confirmOnChain(0n, tx.burnHeight);
  return { channel, channelId: toHex(id), txid, burnHeight: tx.burnHeight };
}

export interface ResumeWithHubOptions extends Pick<OpenWithHubOptions, 'session' | 'account' | 'contract' | 'chainId' | 'signer' | 'window' | 'store' | 'heights'> {
  readonly channelId: string;
  /**
   * The chain states of this channel that landed, and where (the opening at nonce 0,
   * then each deposit, withdraw: what openWithHub and the *ThroughWallet calls returned).
   * The channel takes no payment above a chain state it has not seen land.
   */
  readonly landings: readonly { readonly nonce: bigint; readonly burnHeight: bigint }[];
}

/**
 * This side's Channel again after a reload or a restart: its states from the store (a
 * state it signed is never lost), its messages over the session. The signer must be one
 * the contract authorised for the account (the session key the channel was opened with).
 */
export async function resumeWithHub(o: ResumeWithHubOptions): Promise<Channel> {
  const id = fromHex(o.channelId);
  if (o.store.load(id) === null) {
    throw new HubClientError(HubClientCode.NotNow, `channel ${o.channelId} is not in this store`, { details: { channelId: o.channelId } });
  }
  const channel = await Channel.open(hubChannelConfig(o, id, await o.heights()));
  for (const l of o.landings) channel.confirmOnChain(l.nonce, l.burnHeight);
  return channel;
}

function hubChannelConfig(
  o: Pick<OpenWithHubOptions, 'session' | 'account' | 'contract' | 'chainId' | 'signer' | 'window' | 'store'>,
  id: Uint8Array,
  tip: { readonly burn: bigint; readonly tenure: bigint },
): ChannelConfig {
  return {
    channelId: id, role: 'a', store: o.store, transport: o.session.transport(toHex(id)), window: o.window,
    domain: { contract: o.contract, chainId: o.chainId },
    participants: { a: o.account, b: o.session.principal },
    signer: o.signer,
    counterpartyKeys: [o.session.publicKey],
    burnHeight: tip.burn, tenureHeight: tip.tenure,
  };
}
