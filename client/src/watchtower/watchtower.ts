// The watchtower core. It keeps the newest channel record it has observed (from decoded
// print events, whose checkpoints it joins to the identity create-channel printed, or a
// poller over the readers), the reveal heights and settled HTLCs, and decides, for a
// given chain time:
//   - challenge: a channel closing (initiate-dispute or emergency-close) with a nonce
//     below the newest fully signed closable state the store holds, while the window is
//     open; issued again at every burn block until the record shows it landed, so lost or
//     stuck challenges cannot let a stale close win (PROTOCOL §8);
//   - resolve: a closing channel whose window has ended;
//   - settle-htlc: an HTLC of a finalised channel that is payable (revealed by its
//     expiry, or its expiry passed; expiries and reveal heights are tenure heights);
//   - reveal-secret: an HTLC the owner receives, whose secret it knows, whose expiry is
//     within `revealMargin` tenures and which is not yet revealed.
// It does no network I/O: `decide` returns actions, `step` hands them to an injected
// submit function. It must not sign anything or write to the store.
import { sha256 } from '@noble/hashes/sha2.js';
import { Action, type Htlc } from '../codec/state.js';
import { buildChallenge, buildResolve } from '../chain/build-close.js';
import { buildRevealSecret, buildSettleHtlc } from '../chain/build-htlc.js';
import type { ChannelEvent } from '../chain/events.js';
import type { SignedState } from '../chain/signed.js';
import { ChannelStatus, joinRecord, type ChannelCheckpoint, type ChannelIdentity, type ChannelRecord } from '../chain/record.js';
import { BitStreamError } from '../errors/errors.js';
import type { Decision, WatchAction, WatchProblem } from './actions.js';
import type { ChainTime, SecretSource, SignedStateSource } from './sources.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export interface WatchtowerOptions {
  /** the channel contract, ADDRESS.name */
  readonly contract: string;
  /** the secret registry, ADDRESS.name */
  readonly registry: string;
  readonly states: SignedStateSource;
  /** secrets the owner may reveal on-chain; no reveals without it */
  readonly secrets?: SecretSource;
  /** the owner: HTLCs paying this principal are the ones it reveals secrets for */
  readonly self?: string;
  /** reveal once the expiry is this many tenures away (the multi-hop safety delta); default 6 */
  readonly revealMargin?: bigint;
  /**
   * re-issue a resolve, settle or reveal still not reflected on-chain after this many burn
   * blocks; default 3. A challenge is re-issued at every burn block until it lands.
   */
  readonly retryAfter?: bigint;
  /** asset names of tokens not in KNOWN_TOKEN_ASSETS, by token contract */
  readonly assetNames?: Readonly<Record<string, string>>;
}

export interface StepResult {
  readonly submitted: readonly WatchAction[];
  readonly failed: readonly { readonly action: WatchAction; readonly error: unknown }[];
  readonly problems: readonly WatchProblem[];
}

const hex = (b: Uint8Array) => bytesToHex(b);
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Unilateral closes and challenges accept only these states (the contract's closing-action). */
const CLOSING_ACTIONS: readonly number[] = [Action.Transfer, Action.Close];

interface Tracked {
  readonly channelId: Uint8Array;
  record: ChannelRecord;
  readonly settled: Set<number>;
}

export class Watchtower {
  private readonly o: WatchtowerOptions;
  private readonly channels = new Map<string, Tracked>();
  private readonly identities = new Map<string, ChannelIdentity>();
  /** the newest checkpoint of channels whose identity is not known yet */
  private readonly orphans = new Map<string, { channelId: Uint8Array; checkpoint: ChannelCheckpoint }>();
  private readonly watched = new Set<string>();
  private readonly reveals = new Map<string, bigint>();
  /** action key → burn height it was last issued at */
  private readonly issued = new Map<string, bigint>();

  constructor(options: WatchtowerOptions) {
    this.o = options;
  }

  /** Act on this channel even before the store holds a state for it. */
  watch(channelId: Uint8Array): void {
    this.watched.add(hex(channelId));
  }

  /** Take in one decoded event. */
  observe(event: ChannelEvent): void {
    switch (event.kind) {
      case 'reveal-secret':
        this.observeReveal(event.hash, event.height);
        return;
      case 'add-signer':
      case 'payout-refused':
      case 'claim':
        return;
      case 'settle-htlc':
        this.observeCheckpoint(event.channelId, event.checkpoint);
        this.observeSettled(event.channelId, Number(event.index));
        return;
      default:
        if (event.identity !== null) this.observeIdentity(event.channelId, event.identity);
        this.observeCheckpoint(event.channelId, event.checkpoint);
    }
  }

  /** Who and what a channel is (create-channel's event, or get-channel). */
  observeIdentity(channelId: Uint8Array, identity: ChannelIdentity): void {
    const k = hex(channelId);
    this.identities.set(k, identity);
    const orphan = this.orphans.get(k);
    if (orphan) {
      this.orphans.delete(k);
      this.observeRecord(channelId, joinRecord(identity, orphan.checkpoint));
    }
  }

  /** Where a channel stands; held until its identity is known, if need be. */
  observeCheckpoint(channelId: Uint8Array, checkpoint: ChannelCheckpoint): void {
    const k = hex(channelId);
    const identity = this.identities.get(k);
    if (identity) {
      this.observeRecord(channelId, joinRecord(identity, checkpoint));
      return;
    }
    const held = this.orphans.get(k);
    if (!held || !olderThan(checkpoint, held.checkpoint)) this.orphans.set(k, { channelId, checkpoint });
  }

  /** Channels seen in events whose identity the tower lacks: what a poller reads get-channel for. */
  unknownChannels(): Uint8Array[] {
    return [...this.orphans.values()].map((o) => o.channelId);
  }

  /**
   * Take in the channel's record. A record older than the one held (lower status, or a
   * lower nonce at the same status) is ignored, so a late poll cannot undo an event.
   */
  observeRecord(channelId: Uint8Array, record: ChannelRecord): void {
    const k = hex(channelId);
    if (!this.identities.has(k)) {
      this.identities.set(k, { participantA: record.participantA, participantB: record.participantB, token: record.token, window: record.window });
    }
    this.orphans.delete(k);
    const t = this.channels.get(k);
    if (t === undefined) {
      this.channels.set(k, { channelId, record, settled: new Set() });
      return;
    }
    if (!olderThan(record, t.record)) t.record = record;
  }

  observeReveal(hash: Uint8Array, height: bigint): void {
    const k = hex(hash);
    // the first reveal height is final (the registry refuses a second reveal)
    if (!this.reveals.has(k)) this.reveals.set(k, height);
  }

  observeSettled(channelId: Uint8Array, index: number): void {
    this.channels.get(hex(channelId))?.settled.add(index);
  }

  /** The record held for a channel, if any. */
  recordOf(channelId: Uint8Array): ChannelRecord | null {
    return this.channels.get(hex(channelId))?.record ?? null;
  }

  /** Hashes of HTLCs the tower cares about whose reveal it has not seen: what a poller asks the registry. */
  unrevealedHashes(): Uint8Array[] {
    const out = new Map<string, Uint8Array>();
    for (const t of this.relevant()) {
      for (const h of this.htlcsOf(t)) if (!this.reveals.has(hex(h.hash))) out.set(hex(h.hash), h.hash);
    }
    return [...out.values()];
  }

  /** Channel ids the tower tracks and acts on. */
  channelIds(): Uint8Array[] {
    return this.relevant().map((t) => t.channelId);
  }

  /**
   * What to do now. Each action is issued once and again only if it is still due
   * `retryAfter` burn blocks later (a lost or failed transaction is retried).
   */
  decide(now: ChainTime): Decision {
    const actions: WatchAction[] = [];
    const problems: WatchProblem[] = [];
    const revealing = new Set<string>();
    for (const t of this.relevant()) {
      try {
        this.decideChannel(t, now, actions, revealing);
      } catch (error) {
        if (!(error instanceof BitStreamError)) throw error;
        problems.push({ channelId: t.channelId, error });
      }
    }
    return { actions, problems };
  }

  /** Decide, then hand each action to `submit`; a failed submit is retried on the next step. */
  async step(now: ChainTime, submit: (action: WatchAction) => Promise<void>): Promise<StepResult> {
    const { actions, problems } = this.decide(now);
    const submitted: WatchAction[] = [];
    const failed: { action: WatchAction; error: unknown }[] = [];
    for (const action of actions) {
      try {
        await submit(action);
        submitted.push(action);
      } catch (error) {
        this.issued.delete(keyOf(action));
        failed.push({ action, error });
      }
    }
    return { submitted, failed, problems };
  }

  private relevant(): Tracked[] {
    return [...this.channels.entries()]
      .filter(([k, t]) => this.watched.has(k) || this.o.states.latest(t.channelId) !== null)
      .map(([, t]) => t);
  }

  private decideChannel(t: Tracked, now: ChainTime, out: WatchAction[], revealing: Set<string>): void {
    const { record, channelId } = t;
    const assetName = record.token === null ? undefined : this.o.assetNames?.[record.token];
    if (record.status === ChannelStatus.Closing) {
      // Without a tenure height the window's end is uncertain once burn blocks pass the
      // deadline (a stalled Stacks chain keeps it open): then both the challenge and the
      // resolve are issued, challenge first, and the contract takes whichever is right.
      // A failed call costs a fee; a missed challenge costs the channel.
      const answer = this.closableState(channelId);
      if (!windowSurelyEnded(record, now) && answer !== null && answer.state.nonce > record.nonce) {
        // a close below the newest state we hold: replace it (and penalise a revoked
        // close), at every block until it lands
        this.issue(out, now, {
          kind: 'challenge', channelId, closingNonce: record.nonce, nonce: answer.state.nonce,
          deadlineBurn: record.deadlineBurn, call: buildChallenge({ contract: this.o.contract, signed: answer }),
        }, 1n);
      }
      if (windowMayHaveEnded(record, now)) {
        this.issue(out, now, {
          kind: 'resolve', channelId,
          call: buildResolve({ contract: this.o.contract, channelId, record, ...(assetName === undefined ? {} : { assetName }) }),
        });
      }
    }

    if (record.status === ChannelStatus.Closed) {
      record.htlcs.forEach((h, index) => {
        if (t.settled.has(index)) return;
        const revealedAt = this.reveals.get(hex(h.hash));
        const toReceiver = revealedAt !== undefined && revealedAt <= h.expiry;
        // the contract pays a revealed HTLC at once, an unrevealed one after its expiry (a tenure height)
        if (!toReceiver && (now.tenureHeight === undefined || now.tenureHeight <= h.expiry)) return;
        this.issue(out, now, {
          kind: 'settle-htlc', channelId, index,
          call: buildSettleHtlc({ contract: this.o.contract, channelId, index, record, ...(assetName === undefined ? {} : { assetName }) }),
        });
      });
    }

    this.decideReveals(t, now, out, revealing);
  }

  private decideReveals(t: Tracked, now: ChainTime, out: WatchAction[], revealing: Set<string>): void {
    const { self, secrets } = this.o;
    if (self === undefined || secrets === undefined) return;
    const { record } = t;
    if (self !== record.participantA && self !== record.participantB) return;
    const margin = this.o.revealMargin ?? 6n;
    const tenure = now.tenureHeight;
    if (tenure === undefined) return; // expiries count tenures: nothing to judge them by
    for (const h of this.htlcsOf(t)) {
      const k = hex(h.hash);
      // an HTLC offered by a pays b on reveal: claim only those that pay the owner
      const receiver = h.offeredByA ? record.participantB : record.participantA;
      if (receiver !== self || this.reveals.has(k) || revealing.has(k)) continue;
      // past the expiry a reveal no longer pays; before the margin there is time to settle off-chain
      if (tenure > h.expiry || tenure + margin < h.expiry) continue;
      const secret = secrets.secretFor(h.hash);
      // a wrong preimage would record another hash and pay nothing
      if (secret === null || !sameBytes(sha256(secret), h.hash)) continue;
      revealing.add(k);
      this.issue(out, now, { kind: 'reveal-secret', hash: h.hash, expiry: h.expiry, call: buildRevealSecret({ registry: this.o.registry, secret }) });
    }
  }

  /** The newest held state a challenge can use (a `transfer` or `close` of this channel). */
  private closableState(channelId: Uint8Array): SignedState | null {
    const usable = (s: SignedState | null) =>
      s !== null && sameBytes(s.state.channelId, channelId) && CLOSING_ACTIONS.includes(s.state.action) ? s : null;
    const a = usable(this.o.states.latest(channelId));
    const b = usable(this.o.states.latestClosable?.(channelId) ?? null);
    if (a === null) return b;
    return b !== null && b.state.nonce > a.state.nonce ? b : a;
  }

  /**
   * HTLCs that may still pay: the on-chain state's once the channel is closing or closed
   * (unsettled ones), and the newest signed state's while it can still become final.
   */
  private htlcsOf(t: Tracked): Htlc[] {
    const out: Htlc[] = [];
    if (t.record.status !== ChannelStatus.Open) {
      t.record.htlcs.forEach((h, i) => {
        if (!t.settled.has(i)) out.push(h);
      });
    }
    if (t.record.status !== ChannelStatus.Closed) {
      const latest = this.o.states.latest(t.channelId);
      if (latest !== null) out.push(...latest.state.htlcs);
    }
    return out;
  }

  /** Add `action` unless it was issued less than `every` burn blocks ago (default: retryAfter). */
  private issue(out: WatchAction[], now: ChainTime, action: WatchAction, every = this.o.retryAfter ?? 3n): void {
    const k = keyOf(action);
    const at = this.issued.get(k);
    if (at !== undefined && now.burnHeight < at + every) return;
    this.issued.set(k, now.burnHeight);
    out.push(action);
  }
}

/** Is `a` older than `b` (lower status, or a lower nonce at the same status)? A late poll cannot undo an event. */
function olderThan(a: Pick<ChannelCheckpoint, 'status' | 'nonce'>, b: Pick<ChannelCheckpoint, 'status' | 'nonce'>): boolean {
  return a.status < b.status || (a.status === b.status && a.nonce < b.nonce);
}

function keyOf(action: WatchAction): string {
  switch (action.kind) {
    case 'challenge':
      return `challenge:${hex(action.channelId)}:${action.closingNonce}:${action.nonce}`;
    case 'resolve':
      return `resolve:${hex(action.channelId)}`;
    case 'settle-htlc':
      return `settle:${hex(action.channelId)}:${action.index}`;
    case 'reveal-secret':
      return `reveal:${hex(action.hash)}`;
  }
}

type Deadlines = Pick<ChannelRecord, 'deadlineBurn' | 'deadlineTenure'>;

/** The contract's window-ended, when both clocks are known to be past the deadline. */
export function windowSurelyEnded(record: Deadlines, now: ChainTime): boolean {
  return now.burnHeight >= record.deadlineBurn && now.tenureHeight !== undefined && now.tenureHeight >= record.deadlineTenure;
}

/** The window may have ended: burn blocks are past the deadline and tenures are too or unknown. */
export function windowMayHaveEnded(record: Deadlines, now: ChainTime): boolean {
  return now.burnHeight >= record.deadlineBurn && (now.tenureHeight === undefined || now.tenureHeight >= record.deadlineTenure);
}
