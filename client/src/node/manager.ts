// The node's channels: opening one with a peer end to end, taking one a peer opens,
// restoring all of them after a restart, and the operations on them (pay, deposit,
// withdraw, cooperative and unilateral close). Opening, over the peer session:
//   1. the opener offers (token, amount, window); the peer checks its policy and agrees;
//   2. the opener sends create-channel and waits for its confirmation depth;
//   3. the opener tells the peer the channel id; the peer reads the channel on-chain and
//      accepts it only if it is exactly what was agreed (participants, token, window,
//      balances, status) — a peer never signs for a channel it has not seen on-chain;
//   4. both sides open their Channel at the on-chain opening state.
// Counterparty funding is a deposit: a co-signed deposit state, then fund-channel. The
// chain loop (chain-loop.ts) tells channels what landed; this file sends the node's own
// chain calls and waits for them.
import type { Logger } from 'pino';
import { z } from 'zod';
import { buildCreateChannel, buildFundChannel } from '../chain/build-open.js';
import { buildCloseChannel, buildUnilateralClose } from '../chain/build-close.js';
import { buildWithdraw } from '../chain/build-update.js';
import type { ContractCall } from '../chain/call.js';
import { failedCallCode } from '../chain/errors.js';
import { getChannel, isAuthorisedSigner, type ChainContext } from '../chain/readers.js';
import { ChannelStatus } from '../chain/record.js';
import type { SignedState as ChainSignedState } from '../chain/signed.js';
import type { Broadcaster, AnyCall } from '../chainclient/broadcaster.js';
import type { StacksApi, TxView } from '../chainclient/api.js';
import { appendFileSync } from 'node:fs';
import { Channel, type SignatureEvent } from '../channel/channel.js';
import { backendVerifier, checkSignature } from '../channel/verify.js';
import type { BackupChannel } from '../backup/format.js';
import { restoredRecord, writeRestored } from './restore.js';
import { domainHash, stateHash } from '../codec/sip018.js';
import { equalBytes } from '../crypto/signature.js';
import type { ChannelRecord } from '../store/types.js';
import type { PaymentStatus } from '../channel/payments.js';
import { Action, openingState } from '../codec/state.js';
import type { CryptoBackend } from '../crypto/backend.js';
import type { PeerNetwork } from '../peer/network.js';
import { principalOf } from '../peer/handshake.js';
import type { PeerSession } from '../peer/session.js';
import type { Signer } from '../signers/signer.js';
import type { SqliteStore } from '../store/sqlite.js';
import type { SignedState } from '../store/types.js';
import { fullySigned } from '../watchtower/sources.js';
import { fromHex, toHex } from '../wire/json.js';
import { NodeCode, NodeError } from './errors.js';
import type { NodeEvents } from './events.js';
import type { ChannelMeta, NodeMeta, RestoredMark } from './meta.js';
import { openChannelWith, type HeldChannel } from './open-channel-with.js';
import { Courier } from '../x402/courier.js';

export interface ManagerOptions {
  readonly self: { readonly principal: string; readonly publicKey: Uint8Array; readonly signer: Signer; readonly backend: CryptoBackend };
  readonly store: SqliteStore;
  readonly meta: NodeMeta;
  readonly net: PeerNetwork;
  readonly api: StacksApi;
  readonly broadcaster: Broadcaster;
  readonly ctx: ChainContext;
  readonly chainId: number;
  /** tokens this node takes channels in (null: STX), besides STX */
  readonly tokens: readonly string[];
  readonly window: { readonly min: bigint; readonly max: bigint };
  readonly confirmations: number;
  readonly events: NodeEvents;
  readonly log: Logger;
  /** append each signature this node releases to this file (one JSON line, written before it is sent) */
  readonly signatureLog?: string | null;
}

/** A channel as the API shows it. */
export interface ChannelView {
  readonly id: string;
  readonly peer: string;
  readonly role: 'a' | 'b';
  readonly token: string | null;
  readonly phase: string;
  readonly nonce: string;
  readonly balance: string;
  readonly peerBalance: string;
  readonly window: string;
  readonly busy: boolean;
  readonly peerConnected: boolean;
  /** restored from a backup and not yet proven by the peer */
  readonly restored: { readonly nonce: string; readonly source: string; readonly at: number } | null;
}

const amount = z.string().regex(/^[1-9][0-9]{0,38}$/);
const OfferSchema = z.strictObject({ token: z.string().max(150).nullable(), amount, window: amount });
const CreatedSchema = z.strictObject({ channelId: z.string().regex(/^[0-9a-f]{64}$/), txid: z.string().regex(/^(0x)?[0-9a-f]{64}$/), offer: OfferSchema });

type Offer = z.infer<typeof OfferSchema>;

interface Held {
  meta: ChannelMeta;
  readonly channel: Channel;
  /** what an x402 exchange on this channel carries over HTTP instead of the peer connection */
  readonly courier: Courier;
}

const OFFER_TTL_MS = 15 * 60_000;
/** how often a call the chain dropped is sent again (same nonce, higher fee) before the operation fails */
const MAX_REPLACEMENTS = 5;

/** What another part of the node (invoices.ts) follows on every channel. */
export interface ChannelHooks {
  onState(channelId: string, signed: SignedState): void;
  onSecret(channelId: string, hash: Uint8Array, secret: Uint8Array): void;
}

export class ChannelManager {
  private readonly held = new Map<string, Held>();
  private readonly followers: ChannelHooks[] = [];
  /** node requests other parts of the node answer (forwarding), by kind */
  private readonly served = new Map<string, (body: unknown, session: PeerSession) => Promise<unknown> | unknown>();
  /** offers this node agreed to, by peer, until the channel shows up on-chain */
  private readonly offers = new Map<string, { offer: Offer; at: number }[]>();
  private tipHeights = { burn: 0n, tenure: 0n };

  constructor(private readonly o: ManagerOptions) {}

  /** Reopen every channel the node holds, from its store and meta, bound to its peer's session. */
  async restore(): Promise<void> {
    this.tipHeights = await this.o.api.heights();
    for (const meta of this.o.meta.channels()) {
      const session = this.o.net.sessionFor(meta.peer, fromHex(meta.peerKey));
      const channel = await this.openChannel(meta, session);
      for (const l of this.o.meta.landings(meta.id)) channel.confirmOnChain(l.nonce, l.burn);
    }
  }

  list(): ChannelView[] {
    return [...this.held.values()].map((h) => this.view(h));
  }

  get(id: string): ChannelView {
    return this.view(this.hold(id));
  }

  /** Channels the chain loop follows. */
  all(): readonly HeldChannel[] {
    return [...this.held.values()];
  }

  /** One held channel (NODE_UNKNOWN_CHANNEL if none). */
  entry(id: string): HeldChannel {
    return this.hold(id);
  }

  /** One held channel, or null. */
  find(id: string): HeldChannel | null {
    return this.held.get(id) ?? null;
  }

  /** The courier of a held channel's x402 exchanges, or null. */
  courierOf(id: string): Courier | null {
    return this.held.get(id)?.courier ?? null;
  }

  /** The chain tip the channels were last told of. */
  get heights(): { readonly burn: bigint; readonly tenure: bigint } {
    return this.tipHeights;
  }

  peerConnected(peer: string): boolean {
    return this.o.net.session(peer)?.connected ?? false;
  }

  /** An open channel with `peer` in `token` that passes `ok`, a connected one first (null if none). */
  openWith(peer: string, token: string | null, ok: (h: HeldChannel) => boolean): HeldChannel | null {
    return openChannelWith([...this.held.values()], { peer, token, ok, connected: (p) => this.peerConnected(p) });
  }

  /** Follow every channel's states and learned secrets (the invoice desk, the forwarder). */
  follow(hooks: ChannelHooks): void {
    this.followers.push(hooks);
  }

  /** Answer the peers' node requests of `kind` with `handler` (it validates the body). */
  serve(kind: string, handler: (body: unknown, session: PeerSession) => Promise<unknown> | unknown): void {
    this.served.set(kind, handler);
  }

  /** The peer session of `peer` if it is connected (NODE_PEER_NOT_CONNECTED otherwise). */
  sessionOf(peer: string): PeerSession {
    return this.connected(peer);
  }

  /** Open a channel with `peer`, depositing `amount` of `token` (null: STX). Waits for the confirmation depth. */
  async open(o: { peer: string; token: string | null; amount: bigint; window: bigint; onProgress?: (what: string) => void }): Promise<ChannelView> {
    const session = this.connected(o.peer);
    if (o.amount <= 0n) throw new NodeError(NodeCode.BadRequest, 'the deposit must be above zero');
    this.checkTerms(o.token, o.window);
    const offer: Offer = { token: o.token, amount: o.amount.toString(), window: o.window.toString() };
    try {
      await session.request('open-offer', offer);
    } catch (e) {
      throw new NodeError(NodeCode.OpenRefused, `${o.peer} refused the channel: ${(e as Error).message}`, { cause: e });
    }
    o.onProgress?.('peer agreed; sending create-channel');
    const call = buildCreateChannel({ contract: this.o.ctx.contract, sender: this.o.self.principal, participantB: o.peer, token: o.token, amount: o.amount, window: o.window });
    const tx = await this.send(null, 'create-channel', call, o.onProgress);
    const result = tx.result!;
    if (result.type !== 'ok' || result.value.type !== 'buffer') throw new NodeError(NodeCode.Chain, 'create-channel returned no channel id');
    const id = result.value.value.replace(/^0x/, '');
    o.onProgress?.(`channel ${id} confirmed; the peer checks it on-chain`);
    await session.request('open-created', { channelId: id, txid: tx.txid, offer });
    const meta: ChannelMeta = {
      id, peer: o.peer, peerKey: toHex(session.publicKey), role: 'a', token: o.token, window: o.window, opening: o.amount,
      phase: 'open', createdTxid: tx.txid, createdAt: Date.now(),
    };
    this.o.meta.addChannel(meta);
    this.o.meta.landed(id, 0n, tx.burnHeight!);
    const channel = await this.openChannel(meta, session);
    channel.confirmOnChain(0n, tx.burnHeight!);
    return this.view(this.hold(id));
  }

  /** A peer's node request (the peer layer's onRequest). */
  async onRequest(kind: string, body: unknown, session: PeerSession): Promise<unknown> {
    if (kind === 'open-offer') return this.onOffer(session, parse(OfferSchema, body, kind));
    if (kind === 'open-created') return this.onCreated(session, parse(CreatedSchema, body, kind));
    const handler = this.served.get(kind);
    if (handler !== undefined) return handler(body, session);
    throw new NodeError(NodeCode.BadRequest, `unknown request ${kind}`);
  }

  async pay(id: string, value: bigint, o: { paymentId?: string; timeoutMs?: number } = {}) {
    const h = this.hold(id);
    if (h.meta.phase !== 'open') throw new NodeError(NodeCode.ChannelState, `channel ${id} is ${h.meta.phase}`);
    const r = await h.channel.pay(value, { ...(o.paymentId === undefined ? {} : { id: o.paymentId }), timeoutMs: o.timeoutMs ?? 30_000 });
    this.o.events.emit({ type: 'payment.sent', channelId: id, id: r.id, amount: value.toString(), nonce: r.nonce.toString() });
    return r;
  }

  paymentStatus(paymentId: string): (PaymentStatus & { channelId: string }) | null {
    const stored = this.o.store.payment(paymentId);
    const ids = stored === null ? [...this.held.keys()] : [toHex(stored.channelId)];
    for (const id of ids) {
      const s = this.held.get(id)?.channel.paymentStatus(paymentId);
      if (s) return { ...s, channelId: id };
    }
    return null;
  }

  async deposit(id: string, value: bigint, onProgress?: (what: string) => void): Promise<ChannelView> {
    const h = this.openHeld(id);
    const s = await h.channel.deposit(value);
    await this.land(h, 'fund-channel', buildFundChannel({ contract: this.o.ctx.contract, signed: forChain(s), token: h.meta.token }), s, onProgress);
    return this.view(h);
  }

  async withdraw(id: string, value: bigint, onProgress?: (what: string) => void): Promise<ChannelView> {
    const h = this.openHeld(id);
    const s = await h.channel.withdraw(value);
    await this.land(h, 'withdraw', buildWithdraw({ contract: this.o.ctx.contract, signed: forChain(s), token: h.meta.token }), s, onProgress);
    return this.view(h);
  }

  /** Cooperative close: a co-signed close state, then close-channel pays both sides at once. */
  async close(id: string, onProgress?: (what: string) => void): Promise<ChannelView> {
    const h = this.openHeld(id);
    const s = await h.channel.closeState();
    await this.land(h, 'close-channel', buildCloseChannel({ contract: this.o.ctx.contract, signed: forChain(s), token: h.meta.token }), s, onProgress);
    this.setPhase(h, 'closed');
    return this.view(h);
  }

  /**
   * Unilateral close: the newest closable state if newer than the checkpoint, else from the
   * checkpoint. Resolved after the window by the chain loop. A channel restored from a
   * backup is refused (NODE_UNPROVEN_STATE) until its peer has shown its newest state: a
   * close with an older state than one this node signed before it lost its data would
   * cost it the penalty. `acceptRisk` closes anyway (the peer is gone for good).
   */
  async forceClose(id: string, onProgress?: (what: string) => void, o: { acceptRisk?: boolean } = {}): Promise<ChannelView> {
    const h = this.openHeld(id);
    const mark = this.o.meta.restoredMark(h.meta.id);
    if (mark !== null && o.acceptRisk !== true) {
      throw new NodeError(NodeCode.UnprovenState, `channel ${h.meta.id} was restored from ${mark.source === 'file' ? 'a backup file' : "the peer's storage"} at state ${mark.nonce}, and this node cannot show that no newer state exists: `
        + 'closing with an older state than one it signed before would cost the penalty. Connect to the peer (it hands back its newest state, and the channel is proven), '
        + 'or close cooperatively; only if the peer is gone for good, force-close with acceptRisk', { details: { channelId: h.meta.id, nonce: mark.nonce, source: mark.source } });
    }
    const record = await getChannel(this.o.ctx, { channelId: fromHex(id) });
    if (record === null || record.status !== ChannelStatus.Open) throw new NodeError(NodeCode.ChannelState, `channel ${id} is not open on-chain`);
    const call = buildUnilateralClose({ contract: this.o.ctx.contract, channelId: fromHex(id), floor: record.nonce, closable: h.channel.closable });
    await this.send(id, call.functionName, call, onProgress);
    this.setPhase(h, 'closing');
    return this.view(h);
  }

  private restoredView(id: string): ChannelView['restored'] {
    const m = this.o.meta.restoredMark(id);
    return m === null ? null : { nonce: m.nonce.toString(), source: m.source, at: m.at };
  }

  /** Where a restored channel stands (null: its state is this node's own, or was proven since). */
  restoredMark(id: string): RestoredMark | null {
    return this.o.meta.restoredMark(this.hold(id).meta.id);
  }

  /**
   * Bring back a channel from a backup or the peer's storage (backup/): unknown here, or
   * held only from an older restore. Its state is marked unproven until the peer shows its
   * newest. false: this node holds it at the same or a newer state of its own.
   */
  async importChannel(c: BackupChannel, source: RestoredMark['source']): Promise<boolean> {
    const held = this.held.get(c.meta.id);
    if (held !== undefined && (this.o.meta.restoredMark(c.meta.id) === null || held.channel.latest.state.nonce >= c.latest.state.nonce)) return false;
    this.checkSigned(c.meta, [c.latest, c.closable, ...(c.base === null ? [] : [c.base])]);
    await this.replaceRecord(c.meta, restoredRecord(c), () => writeRestored(this.o.store, this.o.meta, c, source));
    this.o.events.emit({ type: 'channel.restored', channelId: c.meta.id, nonce: c.latest.state.nonce.toString(), source });
    return true;
  }

  /**
   * The peer's newest signed states of a restored channel: adopted if newer than ours
   * (each checked: this channel, signed by both sides), and the channel is proven.
   */
  async adoptTip(id: string, tip: { latest: SignedState; base: SignedState | null; closable: SignedState }): Promise<{ adopted: boolean; nonce: bigint }> {
    const h = this.hold(id);
    const mine = h.channel.latest.state.nonce;
    const adopted = tip.latest.state.nonce > mine;
    if (adopted) {
      this.checkSigned(h.meta, [tip.latest, tip.closable, ...(tip.base === null ? [] : [tip.base])]);
      const record = this.o.store.load(fromHex(id))!;
      await this.replaceRecord(h.meta, { ...record, latest: tip.latest, base: tip.base, closable: tip.closable, pending: null, abandoned: [] }, async () => undefined);
    }
    this.o.meta.clearRestored(h.meta.id);
    const nonce = adopted ? tip.latest.state.nonce : mine;
    this.o.events.emit({ type: 'channel.proven', channelId: h.meta.id, nonce: nonce.toString(), adopted });
    this.o.log.info({ channel: h.meta.id, nonce: nonce.toString(), adopted }, 'the peer showed its newest state: the restored channel is proven');
    return { adopted, nonce };
  }

  /** Swap the stored record of a channel (closing its channel object first) and open it again from the store. */
  private async replaceRecord(meta: ChannelMeta, record: ChannelRecord, alongside: () => Promise<void>): Promise<void> {
    const held = this.held.get(meta.id);
    if (held !== undefined) {
      held.channel.close();
      this.held.delete(meta.id);
    }
    await this.o.store.restore(record);
    await alongside();
    const current = this.o.meta.channel(meta.id) ?? meta;
    const channel = await this.openChannel(current, this.o.net.sessionFor(meta.peer, fromHex(meta.peerKey)));
    for (const l of this.o.meta.landings(meta.id)) channel.confirmOnChain(l.nonce, l.burn);
    // the rest of the node sees the state as if it had just been signed: HTLCs in it are
    // settled, the backup and the towers get it
    for (const f of this.followers) f.onState(meta.id, channel.latest);
  }

  /** Each state is of this channel and carries both sides' signatures over its hash (the implicit state at nonce 0 carries none). */
  private checkSigned(meta: ChannelMeta, states: readonly SignedState[]): void {
    const dh = domainHash({ contract: this.o.ctx.contract, chainId: this.o.chainId });
    const ours = this.o.self.publicKey;
    const theirs = fromHex(meta.peerKey);
    const [keyA, keyB] = meta.role === 'a' ? [ours, theirs] : [theirs, ours];
    const verifier = backendVerifier(this.o.self.backend);
    for (const s of states) {
      const hash = stateHash(s.state, dh);
      const problem = toHex(s.state.channelId) !== meta.id ? 'is of another channel'
        : !equalBytes(hash, s.hash) ? 'does not hash to what it says'
          : s.state.nonce === 0n ? null
            : s.sigA === null || s.sigB === null ? 'lacks a signature'
              : null;
      if (problem !== null) throw new NodeError(NodeCode.BadRequest, `a restored state ${problem} (channel ${meta.id}, nonce ${s.state.nonce})`);
      if (s.state.nonce === 0n) continue;
      try {
        checkSignature(verifier, hash, s.sigA!, [keyA]);
        checkSignature(verifier, hash, s.sigB!, [keyB]);
      } catch (cause) {
        throw new NodeError(NodeCode.BadRequest, `a restored state is not signed by both sides (channel ${meta.id}, nonce ${s.state.nonce})`, { cause });
      }
    }
  }

  /** chain-loop.ts: the tip moved. */
  tip(burn: bigint, tenure: bigint): void {
    this.tipHeights = { burn, tenure };
    for (const h of this.held.values()) h.channel.setChainTime({ burnHeight: burn, tenureHeight: tenure });
  }

  /** chain-loop.ts: the on-chain floor of `id` is `nonce` (seen at burn height `burn`), its status `status`. */
  observed(id: string, nonce: bigint, status: ChannelStatus, burn: bigint): void {
    const h = this.held.get(id);
    if (h === undefined) return;
    const latest = h.channel.latest.state;
    if (nonce >= latest.nonce && (latest.nonce === 0n || latest.action !== Action.Transfer) && !this.o.meta.landings(id).some((l) => l.nonce === latest.nonce)) {
      this.o.meta.landed(id, latest.nonce, burn);
      h.channel.confirmOnChain(latest.nonce, burn);
    }
    const phase = status === ChannelStatus.Open ? 'open' : status === ChannelStatus.Closing ? 'closing' : 'closed';
    if (phase !== h.meta.phase) this.setPhase(h, phase);
  }

  /** Stop every channel object (the node is stopping). */
  shutdown(): void {
    for (const h of this.held.values()) h.channel.close();
  }

  private onOffer(session: PeerSession, offer: Offer): { accept: true } {
    this.checkTerms(offer.token, BigInt(offer.window));
    const now = Date.now();
    const list = (this.offers.get(session.principal) ?? []).filter((x) => now - x.at < OFFER_TTL_MS);
    if (list.length >= 16) throw new NodeError(NodeCode.OpenRefused, 'too many channel offers waiting from this peer');
    list.push({ offer, at: now });
    this.offers.set(session.principal, list);
    return { accept: true };
  }

  private async onCreated(session: PeerSession, m: z.infer<typeof CreatedSchema>): Promise<{ ok: true }> {
    const list = this.offers.get(session.principal) ?? [];
    const at = list.findIndex((x) => x.offer.token === m.offer.token && x.offer.amount === m.offer.amount && x.offer.window === m.offer.window);
    if (at < 0) throw new NodeError(NodeCode.OpenMismatch, 'no agreed offer matches this channel');
    if (this.held.has(m.channelId)) throw new NodeError(NodeCode.OpenMismatch, 'this channel is already held');
    const record = await getChannel(this.o.ctx, { channelId: fromHex(m.channelId) });
    const want = { a: session.principal, b: this.o.self.principal, token: m.offer.token, amount: BigInt(m.offer.amount), window: BigInt(m.offer.window) };
    const problem = record === null ? 'not on-chain'
      : record.participantA !== want.a ? `participant-a is ${record.participantA}`
        : record.participantB !== want.b ? `participant-b is ${record.participantB}`
          : record.token !== want.token ? `token is ${record.token ?? 'STX'}`
            : record.window !== want.window ? `window is ${record.window}`
              : record.status !== ChannelStatus.Open || record.nonce !== 0n ? 'not a fresh open channel'
                : record.balanceA !== want.amount || record.balanceB !== 0n || record.total !== want.amount ? 'balances differ from the offer'
                  : null;
    if (problem !== null) throw new NodeError(NodeCode.OpenMismatch, `channel ${m.channelId}: ${problem}`, { details: { channelId: m.channelId } });
    // a page's session key speaks for its account here (peer/delegation.ts) and signs its
    // states: the contract must take its signatures too, or each state it signs is worthless
    if (principalOf(session.publicKey, this.o.chainId) !== session.principal
      && !await isAuthorisedSigner(this.o.ctx, { channelId: fromHex(m.channelId), owner: session.principal, key: session.publicKey })) {
      throw new NodeError(NodeCode.OpenMismatch, `channel ${m.channelId}: the session key ${toHex(session.publicKey)} that speaks for ${session.principal} is not an authorised signer of it: pass it as create-channel's signer`, {
        details: { channelId: m.channelId, key: toHex(session.publicKey) },
      });
    }
    list.splice(at, 1);
    const tx = await this.o.api.tx(m.txid).catch(() => null);
    const burn = tx?.burnHeight ?? this.tipHeights.burn;
    const meta: ChannelMeta = {
      id: m.channelId, peer: session.principal, peerKey: toHex(session.publicKey), role: 'b', token: want.token, window: want.window,
      opening: want.amount, phase: 'open', createdTxid: m.txid.replace(/^0x/, ''), createdAt: Date.now(),
    };
    this.o.meta.addChannel(meta);
    this.o.meta.landed(meta.id, 0n, burn);
    const channel = await this.openChannel(meta, session);
    channel.confirmOnChain(0n, burn);
    this.o.log.info({ channel: meta.id, peer: meta.peer, amount: m.offer.amount }, 'accepted a channel');
    return { ok: true };
  }

  private async openChannel(meta: ChannelMeta, session: PeerSession): Promise<Channel> {
    const channelId = fromHex(meta.id);
    const participants = meta.role === 'a' ? { a: this.o.self.principal, b: meta.peer } : { a: meta.peer, b: this.o.self.principal };
    const initial = openingState(channelId, meta.opening);
    let previous: bigint | null = null;
    const courier = new Courier();
    const channel: Channel = await Channel.open({
      channelId,
      role: meta.role,
      domain: { contract: this.o.ctx.contract, chainId: this.o.chainId },
      participants,
      signer: this.o.self.signer,
      counterpartyKeys: [fromHex(meta.peerKey)],
      verifier: backendVerifier(this.o.self.backend),
      store: this.o.store,
      transport: courier.tee(session.transport(meta.id)),
      window: meta.window,
      confirmations: this.o.confirmations,
      burnHeight: this.tipHeights.burn,
      tenureHeight: this.tipHeights.tenure,
      ...(this.o.signatureLog ? { onSignature: (e: SignatureEvent) => appendFileSync(this.o.signatureLog!, `${JSON.stringify({ channel: meta.id, nonce: e.nonce.toString(), hash: toHex(e.hash) })}\n`) } : {}),
      onState: (s) => {
        this.onState(meta.id, meta.role, s, previous, (b) => (previous = b));
        for (const f of this.followers) f.onState(meta.id, s);
      },
      onSecret: (hash, secret) => {
        for (const f of this.followers) f.onSecret(meta.id, hash, secret);
      },
      onError: (e) => this.o.log.debug({ channel: meta.id, err: e }, 'refused a peer message'),
    }, initial);
    previous = channel.balances.own;
    this.held.set(meta.id, { meta, channel, courier });
    return channel;
  }

  private onState(id: string, role: 'a' | 'b', s: SignedState, previous: bigint | null, set: (b: bigint) => void): void {
    const own = role === 'a' ? s.state.balanceA : s.state.balanceB;
    const other = role === 'a' ? s.state.balanceB : s.state.balanceA;
    if (previous !== null && own > previous && s.state.action === Action.Transfer) {
      this.o.events.emit({ type: 'payment.received', channelId: id, amount: (own - previous).toString(), nonce: s.state.nonce.toString() });
    }
    set(own);
    this.o.events.emit({ type: 'channel.state', channelId: id, nonce: s.state.nonce.toString(), balance: own.toString(), peerBalance: other.toString() });
  }

  /** Send a chain state's call, wait for it, and tell the channel it landed. */
  private async land(h: Held, kind: string, call: ContractCall, s: SignedState, onProgress?: (what: string) => void): Promise<void> {
    const tx = await this.send(h.meta.id, kind, call, onProgress);
    this.o.meta.landed(h.meta.id, s.state.nonce, tx.burnHeight!);
    h.channel.confirmOnChain(s.state.nonce, tx.burnHeight!);
  }

  /** Broadcast, record, wait for the confirmation depth; a failed call is NODE_CHAIN naming the contract error. */
  private async send(channelId: string | null, kind: string, call: AnyCall, onProgress?: (what: string) => void): Promise<TxView & { result: NonNullable<TxView['result']>; burnHeight: bigint }> {
    let sub = await this.o.broadcaster.submit(call);
    let replaces: string | null = null;
    let tx: TxView;
    for (let round = 0; ; round++) {
      this.o.meta.addTx({ txid: sub.txid, channelId, kind, nonce: sub.nonce, fee: sub.fee, status: 'pending', at: sub.at, replaces });
      this.o.events.emit({ type: 'chain.tx', channelId, kind, txid: sub.txid, status: 'pending' });
      onProgress?.(`${kind} sent (${sub.txid}); waiting for ${this.o.confirmations} confirmation(s)`);
      tx = await this.o.broadcaster.mined(sub.txid, {
        confirmations: this.o.confirmations,
        onWait: (t) => onProgress?.(t === null || t.burnHeight === null ? `${kind}: waiting to be mined` : `${kind}: mined at burn height ${t.burnHeight}, waiting for depth`),
      });
      this.o.meta.setTxStatus(sub.txid, tx.status);
      this.o.events.emit({ type: 'chain.tx', channelId, kind, txid: sub.txid, status: tx.status });
      // the chain lost it: the same call at the same nonce, with a higher fee (replace-by-fee)
      if (!tx.status.startsWith('dropped') || round >= MAX_REPLACEMENTS) break;
      this.o.log.info({ channel: channelId, kind, txid: sub.txid, status: tx.status }, 'the chain dropped a transaction; replacing it with a higher fee');
      replaces = sub.txid;
      sub = await this.o.broadcaster.bump(sub.txid);
    }
    if (tx.status !== 'success' || tx.result === null || tx.burnHeight === null || tx.result.type !== 'ok') {
      const code = failedCallCode(tx);
      throw new NodeError(NodeCode.Chain, `${kind} failed on-chain: ${code}`, { details: { txid: sub.txid, status: tx.status, code } });
    }
    return tx as TxView & { result: NonNullable<TxView['result']>; burnHeight: bigint };
  }

  private setPhase(h: Held, phase: ChannelMeta['phase']): void {
    h.meta = { ...h.meta, phase };
    this.o.meta.setPhase(h.meta.id, phase);
    this.o.events.emit({ type: 'channel.phase', channelId: h.meta.id, phase });
  }

  private checkTerms(token: string | null, window: bigint): void {
    if (token !== null && !this.o.tokens.includes(token)) throw new NodeError(NodeCode.OpenRefused, `this node takes no channels in ${token}`, { details: { token } });
    if (window < this.o.window.min || window > this.o.window.max) {
      throw new NodeError(NodeCode.OpenRefused, `a window of ${window} burn blocks is outside ${this.o.window.min}–${this.o.window.max}`);
    }
  }

  private connected(peer: string): PeerSession {
    const s = this.o.net.session(peer);
    if (s === undefined || !s.connected) throw new NodeError(NodeCode.PeerNotConnected, `not connected to ${peer}: connect to it first`, { details: { peer } });
    return s;
  }

  private hold(id: string): Held {
    const h = this.held.get(id.toLowerCase().replace(/^0x/, ''));
    if (h === undefined) throw new NodeError(NodeCode.UnknownChannel, `no channel ${id} on this node`, { details: { channelId: id } });
    return h;
  }

  private openHeld(id: string): Held {
    const h = this.hold(id);
    if (h.meta.phase !== 'open') throw new NodeError(NodeCode.ChannelState, `channel ${id} is ${h.meta.phase}`);
    return h;
  }

  private view(h: Held): ChannelView {
    const b = h.channel.balances;
    return {
      id: h.meta.id, peer: h.meta.peer, role: h.meta.role, token: h.meta.token, phase: h.meta.phase,
      nonce: h.channel.latest.state.nonce.toString(), balance: b.own.toString(), peerBalance: b.other.toString(),
      window: h.meta.window.toString(), busy: h.channel.busy, peerConnected: this.o.net.session(h.meta.peer)?.connected ?? false,
      restored: this.restoredView(h.meta.id),
    };
  }
}

function forChain(s: SignedState): ChainSignedState {
  const signed = fullySigned(s);
  if (signed === null) throw new NodeError(NodeCode.ChannelState, `state ${s.state.nonce} is not signed by both sides`);
  return signed;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, kind: string): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new NodeError(NodeCode.BadRequest, `${kind}: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  return r.data;
}

