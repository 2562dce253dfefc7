// The chain loop of a node (and of the standalone tower), over the Stacks API (the same endpoints on Hiro's API, a
// self-run node and the local chain, so testnet and mainnet work unchanged). It follows
// the contracts' events: at each new tip it pages the channel contract's and the
// registry's events back to where it was (one request per tip when little happened),
// feeds the built-in watchtower the events of the channels this node holds and the
// secrets revealed, and reads get-channel only for a channel it does not know yet. At
// start, and whenever a feed loses its place, it reads every held channel in full
// instead, so a missed event can cost a read but never a close. Channels learn what
// landed (a peer's deposit, withdraw or close) and the node's phase follows the chain;
// then the watchtower acts: every stale close is challenged at every burn block until
// the challenge lands (while one is on its way, by replacing it with a higher fee when
// it is dropped or sticks), closes are resolved once their window ends, HTLCs settled,
// secrets revealed. Events by polling rather than the event observer's push, because it
// needs nothing from the operator's own Stacks node. What it watches, the states it
// answers with, the secrets it may reveal and where it records its transactions are
// given to it: a node's channels and store, or a tower's clients' uploads.
import type { Logger } from 'pino';
import type { StacksApi } from '../chainclient/api.js';
import type { Broadcaster } from '../chainclient/broadcaster.js';
import type { ChainContext } from '../chain/readers.js';
import { decodeChannelEvent, type ChannelEvent } from '../chain/events.js';
import { ContractEventFeed } from '../chainclient/event-feed.js';
import type { ChannelStatus } from '../chain/record.js';
import { pollIntoWatchtower, readChannels } from '../watchtower/poller.js';
import type { SecretSource, SignedStateSource } from '../watchtower/sources.js';
import { Watchtower } from '../watchtower/watchtower.js';
import { fromHex, toHex } from '../wire/json.js';
import type { NodeEvents } from './events.js';
import type { TxRecord } from './meta.js';

/** The channels a loop watches, and who hears what the chain shows of them. */
export interface WatchedChannels {
  /** channel ids (hex) to follow */
  ids(): readonly string[];
  /** the chain's tip moved */
  tip?(burn: bigint, tenure: bigint): void;
  /** the chain's floor and status of channel `id`, seen at burn height `burn` */
  observed?(id: string, nonce: bigint, status: ChannelStatus, burn: bigint): void;
}

/** Where the loop records the transactions it sends and follows (NodeMeta is one). */
export interface TxLog {
  addTx(t: TxRecord): void;
  setTxStatus(txid: string, status: string): void;
  pendingTxs(): TxRecord[];
}

export interface ChainLoopOptions {
  readonly api: StacksApi;
  readonly ctx: ChainContext;
  readonly broadcaster: Broadcaster;
  readonly channels: WatchedChannels;
  /** the newest fully signed (closable) states the watchtower answers closes with */
  readonly states: SignedStateSource;
  /** secrets it may reveal on-chain for HTLCs paying `self` (none: it reveals nothing) */
  readonly secrets?: SecretSource;
  readonly txs: TxLog;
  readonly events: NodeEvents;
  /** the owner: HTLCs paying this principal are the ones it reveals secrets for */
  readonly self?: string;
  readonly pollMs: number;
  readonly log: Logger;
}

/** A watchtower transaction unmined this many burn blocks is replaced with a higher fee. */
const STUCK_BURN_BLOCKS = 3n;
/** What the watchtower sends (the node's own calls are waited for by whoever sent them). */
const TOWER_KINDS = new Set(['challenge', 'resolve', 'settle-htlc', 'reveal-secret']);

export class ChainLoop {
  readonly tower: Watchtower;
  /** burn height at which each pending watchtower transaction was first seen unmined */
  private readonly firstSeen = new Map<string, bigint>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private last = { burn: -1n, stacks: -1n };
  private readonly feeds: readonly ContractEventFeed[];
  /** read every held channel in full at the next tip (at start, and when a feed lost its place) */
  private fullReadDue = true;
  private readonly counted = { full: 0, channels: 0 };
  /** the chain's heights at the last successful poll, and when */
  status = { burn: 0n, stacks: 0n, tenure: 0n, at: 0, error: null as string | null };

  constructor(private readonly o: ChainLoopOptions) {
    this.feeds = [new ContractEventFeed(o.api, o.ctx.contract), new ContractEventFeed(o.api, o.ctx.registry)];
    this.tower = new Watchtower({
      contract: o.ctx.contract,
      registry: o.ctx.registry,
      states: o.states,
      ...(o.self === undefined ? {} : { self: o.self }),
      ...(o.secrets === undefined ? {} : { secrets: o.secrets }),
    });
  }

  /** what the loop read: full reads, channels read one by one, event pages (metrics) */
  get reads(): { full: number; channels: number; eventPages: number } {
    return { ...this.counted, eventPages: this.feeds.reduce((n, f) => n + f.pagesRead, 0) };
  }

  start(): void {
    const tick = () => {
      this.running = this.poll().finally(() => {
        this.running = null;
        if (this.timer !== null) this.timer = setTimeout(tick, this.o.pollMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * Follow the node's transactions nobody waits for (the watchtower's) to their outcome;
   * one the chain dropped, or that sticks unmined for STUCK_BURN_BLOCKS, is replaced at
   * the same nonce with a higher fee (replace-by-fee).
   */
  private async track(burn: bigint): Promise<void> {
    for (const t of this.o.txs.pendingTxs()) {
      const tx = await this.o.api.tx(t.txid);
      if (tx === null) continue;
      if (tx.status === 'pending') {
        const first = this.firstSeen.get(t.txid) ?? burn;
        this.firstSeen.set(t.txid, first);
        if (burn - first >= STUCK_BURN_BLOCKS && this.replaceable(t)) await this.replace(t, 'stuck');
        continue;
      }
      this.firstSeen.delete(t.txid);
      this.o.txs.setTxStatus(t.txid, tx.status);
      this.o.events.emit({ type: 'chain.tx', channelId: t.channelId, kind: t.kind, txid: t.txid, status: tx.status });
      // dropped_replace_by_fee: our own replacement took its place
      if (tx.status.startsWith('dropped') && tx.status !== 'dropped_replace_by_fee' && this.replaceable(t)) await this.replace(t, tx.status);
    }
  }

  /**
   * A watchtower transaction this run sent (the broadcaster has its call). One an earlier
   * run sent is not bumped here: the tower's action, issued again, replaces it (poll).
   */
  private replaceable(t: TxRecord): boolean {
    return TOWER_KINDS.has(t.kind) && this.o.broadcaster.sent.has(t.txid);
  }

  /** Record a transaction just sent (`replaces`: the one it takes the nonce of) and tell the events stream. */
  private recordSent(sub: { txid: string; nonce: bigint; fee: bigint; at: number }, channelId: string | null, kind: string, replaces: string | null): void {
    this.o.txs.addTx({ txid: sub.txid, channelId, kind, nonce: sub.nonce, fee: sub.fee, status: 'pending', at: sub.at, replaces });
    this.o.events.emit({ type: 'chain.tx', channelId, kind, txid: sub.txid, status: 'pending' });
  }

  private async replace(t: TxRecord, why: string): Promise<void> {
    try {
      const sub = await this.o.broadcaster.bump(t.txid);
      this.firstSeen.delete(t.txid);
      this.recordSent(sub, t.channelId, t.kind, t.txid);
      this.o.log.info({ channel: t.channelId, kind: t.kind, old: t.txid, txid: sub.txid, fee: sub.fee.toString(), why }, 'replaced a transaction with a higher fee');
    } catch (e) {
      // the watchtower issues the action again at the next burn block in any case
      this.o.log.warn({ txid: t.txid, err: e }, 'could not replace a transaction');
    }
  }

  /**
   * Bring the tower up to the chain for the `held` channels: their events since the last
   * tip, a read of any it does not know yet, or a full read when one is due.
   */
  private async follow(held: readonly string[]): Promise<void> {
    if (!this.fullReadDue) {
      // a feed that moved on while another failed would have lost its events: read in full next time
      this.fullReadDue = true;
      const events: ChannelEvent[] = [];
      let gap = false;
      for (const feed of this.feeds) {
        const round = await feed.next();
        gap ||= round.gap;
        for (const e of round.events) {
          if (e.print === null) continue;
          try {
            const ev = decodeChannelEvent(e.print, { channel: this.o.ctx.contract, registry: this.o.ctx.registry });
            if (ev !== null) events.push(ev);
          } catch (err) {
            // a print of ours that does not decode: the client and the contract disagree; read the state itself
            this.o.log.warn({ txid: e.txid, err }, 'an event did not decode; reading every channel in full');
            gap = true;
          }
        }
      }
      if (!gap) {
        const mine = new Set(held);
        // other users' channels are none of this node's business; every reveal may be
        for (const ev of events) if (!('channelId' in ev) || mine.has(toHex(ev.channelId))) this.tower.observe(ev);
        const unknown = held.filter((id) => this.tower.recordOf(fromHex(id)) === null).map(fromHex);
        if (unknown.length > 0) {
          await readChannels(this.o.ctx, this.tower, unknown);
          this.counted.channels += unknown.length;
        }
        this.fullReadDue = false;
        return;
      }
    }
    // mark the feeds first: what lands during the read comes again in the next round, never falls between
    for (const feed of this.feeds) await feed.mark();
    await pollIntoWatchtower(this.o.ctx, this.tower, held.map(fromHex));
    this.counted.full++;
    this.counted.channels += held.length;
    this.fullReadDue = false;
  }

  /** One round (exported for tests and for the first poll at start). */
  async poll(): Promise<void> {
    try {
      const h = await this.o.api.heights();
      this.status = { burn: h.burn, stacks: h.stacks, tenure: h.tenure, at: Date.now(), error: null };
      if (h.burn === this.last.burn && h.stacks === this.last.stacks) return;
      this.last = { burn: h.burn, stacks: h.stacks };
      this.o.events.emit({ type: 'chain.block', burnHeight: h.burn.toString(), stacksHeight: h.stacks.toString() });
      this.o.channels.tip?.(h.burn, h.tenure);
      const held = this.o.channels.ids();
      for (const id of held) this.tower.watch(fromHex(id));
      await this.follow(held);
      for (const id of held) {
        const r = this.tower.recordOf(fromHex(id));
        if (r !== null) this.o.channels.observed?.(id, r.nonce, r.status, h.burn);
      }
      await this.track(h.burn);
      const step = await this.tower.step({ burnHeight: h.burn, tenureHeight: h.tenure }, async (action) => {
        const channelId = 'channelId' in action ? toHex(action.channelId) : null;
        // one of ours for this channel is still on its way: track() replaces it with a
        // higher fee if it is dropped or sticks; a second call would only abort on-chain
        // (the first one lands) and pay a fee for nothing. One an earlier run of the node
        // sent (its call is not kept) is replaced now, at its nonce, by this action.
        const pending = channelId === null ? [] : this.o.txs.pendingTxs().filter((t) => t.channelId === channelId && t.kind === action.kind);
        if (pending.some((t) => this.o.broadcaster.sent.has(t.txid))) return;
        // the highest fee at its nonce is the one a replacement must beat
        const earlier = pending.reduce<(typeof pending)[number] | undefined>((top, t) => (top === undefined || t.fee > top.fee ? t : top), undefined);
        const sub = earlier === undefined ? await this.o.broadcaster.submit(action.call) : await this.o.broadcaster.replace(earlier, action.call);
        this.recordSent(sub, channelId, action.kind, earlier?.txid ?? null);
        this.o.log.info({ channel: channelId, kind: action.kind, txid: sub.txid }, 'watchtower sent a transaction');
      });
      for (const f of step.failed) this.o.log.warn({ kind: f.action.kind, err: f.error }, 'watchtower action failed');
      for (const p of step.problems) this.o.log.warn({ channel: toHex(p.channelId), err: p.error }, 'watchtower cannot act');
    } catch (e) {
      this.status = { ...this.status, error: e instanceof Error ? e.message : String(e) };
      this.o.log.warn({ err: e }, 'chain poll failed');
    }
  }
}
