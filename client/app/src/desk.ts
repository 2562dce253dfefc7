// The page's channel with its hub, from the wallet's first prompt to the payout: the
// session (key, delegation), the link to the hub, open or resume, payments, deposit,
// withdraw, cooperative and force close, resolve. Everything a person can do goes
// through here; view.ts only draws what `snapshot()` says. Nothing here holds the
// account's key (wallet.ts asks the wallet) or decides a channel rule (the library does).
import { ChannelStatus, type ChannelRecord } from '../../src/chain/record.js';
import type { Channel } from '../../src/channel/channel.js';
import { nobleBackend } from '../../src/crypto/noble.js';
import {
  closeThroughWallet,
  depositThroughWallet,
  forceCloseThroughWallet,
  resolveThroughWallet,
  withdrawThroughWallet,
  type Landed,
  type WalletChain,
} from '../../src/hubclient/land.js';
import { openWithHub, resumeWithHub } from '../../src/hubclient/open.js';
import { HubLink } from '../../src/peer/hub-link.js';
import { delegatedIdentity } from '../../src/peer/identity.js';
import type { PeerSession } from '../../src/peer/session.js';
import { LocalKeySigner } from '../../src/signers/local.js';
import { WalletSigner } from '../../src/signers/wallet.js';
import { IndexedDbStore } from '../../src/store/indexeddb.js';
import { fromHex } from '../../src/wire/json.js';
import type { ChainView } from './chain.js';
import type { AppConfig, TokenInfo } from './config.js';
import { AppError } from './messages.js';
import { forgetSession, loadSession, newSessionKey, saveSession, type SavedSession, type SavedTx, type Session } from './session.js';
import { sendCall, signStructured } from './wallet.js';

export type Phase = 'no-channel' | 'opening' | 'open' | 'closing' | 'closed';

export interface Snapshot {
  readonly account: string;
  readonly phase: Phase;
  readonly hubOnline: boolean;
  /** another tab or device of this account took the hub link: this page stopped dialling */
  readonly replaced: boolean;
  readonly token: TokenInfo | null;
  readonly channelId: string | null;
  readonly own: bigint;
  readonly hub: bigint;
  readonly nonce: bigint;
  /**
   * the dispute window, while one runs: burn blocks left of the window's length. (A page
   * only pays, so no older state gives the hub more than the newest: a close by the hub
   * with an old one pays the page more, and there is nothing for the page to answer.)
   */
  readonly dispute: { readonly left: bigint; readonly of: bigint; readonly ended: boolean } | null;
  readonly txs: readonly SavedTx[];
}

export class Desk {
  private session: Session | null = null;
  private link: HubLink | null = null;
  private peer: PeerSession | null = null;
  private channel: Channel | null = null;
  private store: IndexedDbStore | null = null;
  private saved: Pick<SavedSession, 'channel' | 'txs' | 'pendingOpen'> = { channel: null, txs: [], pendingOpen: null };
  private phase: Phase = 'no-channel';
  private record: ChannelRecord | null = null;
  private tip = { burn: 0n, tenure: 0n };
  private final: { own: bigint; hub: bigint; nonce: bigint } | null = null;

  constructor(
    readonly cfg: AppConfig,
    readonly chain: ChainView,
    readonly account: string,
    private readonly progress: (what: string) => void,
  ) {}

  /** After a reload: this tab's session and channel, without a prompt. False if there is none. */
  async resume(): Promise<boolean> {
    const found = loadSession(this.account);
    if (found === null) return false;
    this.session = found.session;
    this.saved = { channel: found.saved.channel, txs: found.saved.txs, pendingOpen: found.saved.pendingOpen };
    const p = found.saved.pendingOpen;
    if (found.saved.channel === null && p !== null) {
      // the page went away between the wallet's create-channel and the hub taking it: finish that open
      const token = this.cfg.tokens.find((t) => t.contract === p.token) ?? this.cfg.tokens[0]!;
      this.progress(`finishing the open of create-channel ${p.txid}`);
      await this.open(token, BigInt(p.amount), BigInt(p.amount), p.txid);
      return true;
    }
    if (found.saved.channel === null) return false;
    const c = found.saved.channel;
    // a channel already closing on-chain needs no hub: show its window, offer the resolve
    await this.refresh();
    if (this.record === null || this.record.status !== ChannelStatus.Open) {
      this.phase = this.record?.status === ChannelStatus.Closing ? 'closing' : 'closed';
      if (this.phase === 'closed') this.endChannel();
      return true;
    }
    this.progress('reconnecting to the hub');
    const peer = await this.connect();
    this.channel = await resumeWithHub({
      session: peer, account: this.account, contract: this.cfg.contract, chainId: this.cfg.chainId, signer: this.signer(), window: BigInt(c.window),
      store: await this.openStore(), channelId: c.id, heights: () => this.chain.heights(),
      landings: c.landings.map((l) => ({ nonce: BigInt(l.nonce), burnHeight: BigInt(l.burnHeight) })),
    });
    this.phase = 'open';
    await this.refresh();
    this.progress(`channel resumed at state ${this.channel.latest.state.nonce}`);
    return true;
  }

  /** Open a channel with the hub: the wallet signs the session key's delegation, then sends create-channel. */
  async open(token: TokenInfo, amount: bigint, balance: bigint, sent?: string): Promise<void> {
    if (amount > balance) throw new AppError('APP_NO_FUNDS', `the channel needs ${amount} and the account holds ${balance}`);
    if (this.phase === 'opening' || this.phase === 'open' || this.phase === 'closing') throw Object.assign(new Error('this tab already has a channel'), { code: 'HUB_NOT_NOW' });
    // a new channel after the last one paid out
    this.saved = { channel: null, txs: this.saved.txs, pendingOpen: this.saved.pendingOpen };
    this.record = null;
    this.final = null;
    this.ended = false;
    this.phase = 'opening';
    try {
      if (this.session === null) {
        const { sessionKey, delegation } = newSessionKey(this.account);
        this.progress('the wallet asks you to authorise a session key for payments (one prompt)');
        const sig = await new WalletSigner({ request: signStructured, address: this.account }).signDelegation(delegation, this.cfg.chainId);
        this.session = { account: this.account, sessionKey, delegation, sig };
        this.persist();
      }
      this.progress('connecting to the hub');
      const peer = await this.connect();
      const { channel, channelId, burnHeight } = await openWithHub({
        session: peer, account: this.account, contract: this.cfg.contract, chainId: this.cfg.chainId, signer: this.signer(),
        token: token.contract, amount, window: BigInt(this.cfg.window), store: await this.openStore(),
        callContract: async (call) => {
          const txid = await this.sent('create-channel', sendCall(call));
          // before anything else: a reload from here on finishes this open instead of losing it
          this.saved.pendingOpen = { txid, token: token.contract, amount: amount.toString(), window: String(this.cfg.window) };
          this.persist();
          return txid;
        },
        ...(sent === undefined ? {} : { sent }),
        mined: (txid) => this.mined(txid), heights: () => this.chain.heights(),
        onProgress: (what) => this.progress(what),
      });
      this.channel = channel;
      this.saved = {
        ...this.saved, pendingOpen: null,
        channel: { id: channelId, token: token.contract, window: String(this.cfg.window), landings: [{ nonce: '0', burnHeight: String(burnHeight) }] },
      };
      this.persist();
      this.phase = 'open';
      this.progress('the channel is open: payments need no wallet prompt now');
    } catch (e) {
      if (this.channel === null) this.phase = 'no-channel';
      // nothing was locked: nothing to finish after a reload
      if ((e as { code?: unknown }).code === 'HUB_OPEN_FAILED') {
        this.saved.pendingOpen = null;
        this.persist();
      }
      throw e;
    }
  }

  /** One payment to the hub, signed by the session key alone. */
  async pay(amount: bigint, id: string): Promise<unknown> {
    // (async: a refusal is a rejection the meter and the burst see, never a throw past them)
    const ch = this.openChannel();
    if (!this.hubOnline) throw new AppError('APP_HUB_OFFLINE', 'not connected to the hub');
    return ch.pay(amount, { id, timeoutMs: 10_000 });
  }

  async deposit(amount: bigint, balance: bigint): Promise<void> {
    if (amount > balance) throw new AppError('APP_NO_FUNDS', `the deposit is ${amount} and the account holds ${balance}`);
    this.noted(await depositThroughWallet(this.openChannel(), amount, this.land()));
  }

  async withdraw(amount: bigint): Promise<void> {
    this.noted(await withdrawThroughWallet(this.openChannel(), amount, this.land()));
  }

  async closeCooperatively(): Promise<void> {
    const ch = this.openChannel();
    await closeThroughWallet(ch, this.land());
    this.final = { own: ch.balances.own, hub: ch.balances.other, nonce: ch.latest.state.nonce };
    this.phase = 'closed';
    this.endChannel();
  }

  /** Close without the hub: the newest state both signed goes on-chain and the dispute window runs. */
  async forceClose(): Promise<void> {
    const ch = this.openChannel();
    const rec = await this.chain.record(ch.channelId);
    if (rec === null) throw new AppError('APP_NOT_NOW', 'the chain does not know this channel');
    this.final = { own: ch.balances.own, hub: ch.balances.other, nonce: ch.latest.state.nonce };
    await forceCloseThroughWallet(ch, rec.nonce, { contract: this.cfg.contract, wallet: this.walletChain() });
    this.phase = 'closing';
    await this.refresh();
  }

  /** After the window: the contract pays both sides as the closing state says. */
  async resolve(): Promise<void> {
    const id = this.channelIdBytes();
    const rec = await this.chain.record(id);
    if (rec === null || rec.status !== ChannelStatus.Closing) throw new AppError('APP_NOT_NOW', 'the channel is not closing');
    await resolveThroughWallet(id, rec, { contract: this.cfg.contract, wallet: this.walletChain() });
    this.phase = 'closed';
    this.endChannel();
  }

  /** The chain's tip and the channel's record now (the poll of main.ts). */
  async refresh(): Promise<void> {
    this.tip = await this.chain.heights();
    this.channel?.setChainTime({ burnHeight: this.tip.burn, tenureHeight: this.tip.tenure });
    if (this.saved.channel !== null) {
      this.record = await this.chain.record(fromHex(this.saved.channel.id));
      if (this.record?.status === ChannelStatus.Closing && this.phase === 'open') this.phase = 'closing';
      if (this.record?.status === ChannelStatus.Closed && this.phase !== 'closed') {
        this.phase = 'closed';
        this.endChannel();
      }
    }
    for (const t of this.saved.txs) {
      if (t.status !== 'pending') continue;
      const tx = await this.chain.api.tx(t.txid).catch(() => null);
      if (tx !== null && tx.status !== 'pending') t.status = tx.status;
    }
  }

  get hubOnline(): boolean {
    return this.link?.connected ?? false;
  }

  snapshot(): Snapshot {
    const ch = this.channel;
    const token = this.cfg.tokens.find((t) => t.contract === (this.saved.channel?.token ?? null)) ?? null;
    const r = this.record;
    const dispute = r !== null && r.status === ChannelStatus.Closing
      ? { left: r.deadlineBurn > this.tip.burn ? r.deadlineBurn - this.tip.burn : 0n, of: r.window, ended: this.tip.burn >= r.deadlineBurn }
      : null;
    // the channel object while there is one; else what was last signed; else the chain's record (a reload while closing)
    const shown = ch !== null && !this.ended
      ? { own: ch.balances.own, hub: ch.balances.other, nonce: ch.latest.state.nonce }
      : this.final ?? (r !== null ? { own: r.balanceA, hub: r.balanceB, nonce: r.nonce } : { own: 0n, hub: 0n, nonce: 0n });
    return {
      account: this.account, phase: this.phase, hubOnline: this.hubOnline, replaced: this.link?.lastError?.code === 'PEER_REPLACED', token: this.saved.channel === null ? null : token,
      channelId: this.saved.channel?.id ?? null, ...shown, dispute, txs: [...this.saved.txs].reverse(),
    };
  }

  private ended = false;

  private endChannel(): void {
    this.ended = true;
    this.channel?.close();
    this.link?.close();
    this.link = null;
    this.peer = null;
    this.channel = null;
    this.persist();
  }

  /** The session's link to the hub (dialled once; it redials on its own). */
  private async connect(): Promise<PeerSession> {
    if (this.peer !== null) return this.peer;
    const s = this.session!;
    this.link = new HubLink({
      url: this.cfg.hubUrl, expect: this.cfg.hubPrincipal, chainId: this.cfg.chainId, recover: (h, sig) => nobleBackend.recover(h, sig),
      identity: delegatedIdentity(s.sessionKey, nobleBackend, s.delegation, s.sig),
    });
    const offline = setTimeout(() => this.progress('the hub does not answer yet; still trying (is it running?)'), 5_000);
    try {
      this.peer = await this.link.ready;
    } finally {
      clearTimeout(offline);
    }
    return this.peer;
  }

  private signer(): LocalKeySigner {
    return new LocalKeySigner(this.session!.sessionKey, { backend: nobleBackend });
  }

  private async openStore(): Promise<IndexedDbStore> {
    return (this.store ??= await IndexedDbStore.open(`bitstream-app-${this.account}`));
  }

  private openChannel(): Channel {
    if (this.channel === null || this.phase !== 'open') throw Object.assign(new Error('no open channel'), { code: 'CHANNEL_CLOSED' });
    return this.channel;
  }

  private channelIdBytes(): Uint8Array {
    if (this.saved.channel === null) throw Object.assign(new Error('no channel'), { code: 'CHANNEL_CLOSED' });
    return fromHex(this.saved.channel.id);
  }

  private land(): { contract: string; token: string | null; wallet: WalletChain } {
    return { contract: this.cfg.contract, token: this.saved.channel?.token ?? null, wallet: this.walletChain() };
  }

  private walletChain(): WalletChain {
    let kind = 'call';
    return {
      callContract: (call) => this.sent((kind = call.functionName), sendCall(call)),
      mined: (txid) => this.mined(txid),
      onProgress: (what) => this.progress(what.replace(/^call /, `${kind} `)),
    };
  }

  private async sent(kind: string, txid: Promise<string>): Promise<string> {
    this.progress(`the wallet asks you to confirm ${kind}`);
    const id = await txid;
    this.saved.txs.push({ kind, txid: id, status: 'pending', at: Date.now() });
    this.persist();
    return id;
  }

  private async mined(txid: string) {
    const tx = await this.chain.mined(txid);
    const t = this.saved.txs.find((x) => x.txid === txid);
    if (t !== undefined) t.status = tx.status;
    this.persist();
    return tx;
  }

  /** A deposit or withdraw landed: remember where, so a reload can resume above it. */
  private noted(l: Landed): void {
    if (l.state !== null && this.saved.channel !== null) {
      this.saved.channel.landings.push({ nonce: String(l.state.state.nonce), burnHeight: String(l.burnHeight) });
      this.persist();
    }
  }

  private persist(): void {
    if (this.session === null) return;
    if (this.phase === 'closed') {
      // the channel is paid out: nothing left for the key to sign
      forgetSession();
      return;
    }
    saveSession(this.session, this.saved);
  }
}
