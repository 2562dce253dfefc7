// The steering dialer: turns rendezvous's random calls to `bitstream` into calls that
// can succeed, or into named attacks that must fail.
//
// Random bytes never make a valid signature, so on their own rendezvous's calls to the
// state-taking functions all fail. rendezvous's own `--dial` hooks are not told the
// caller, which fund-channel and withdraw need (the actor is tx-sender), so this wraps
// the simnet rendezvous drives instead. For each call to a steered function it picks,
// from a hash of the random arguments (Entropy), a channel and a co-signed state (or a
// deliberate attack: stale nonce, foreign contract, high-S, swapped or outsider
// signature, sum mismatch, wrong action, actor, token or caller), and calls with those
// arguments and the caller rendezvous chose. A share of calls keeps the random
// arguments. After each successful call it checks that no attack got through and that
// the contract paid only the channel's participants (I5), and updates the ghost state
// the Clarity invariants read (rv-track, rv-observe-holdings).
//
// Owns: the list of channels seen (ids, participants, token, cached status) and the
// steering report. Must not: call a bitstream function rendezvous did not choose, other
// than the read-only ones and the rv-* ghost functions of contracts/bitstream.tests.clar.
import type { Simnet } from '@stacks/clarinet-sdk';
import { Cl, cvToString, type ClarityValue } from '@stacks/transactions';
import { PostDialerError } from '@stacks/rendezvous/dist/dialer.js';
import {
  Action,
  CHANNEL,
  CHANNEL_2,
  SBTC,
  TEST_TOKEN,
  deployer,
  domainHashOf,
  hex,
  highS,
  keys,
  plain,
  secretPair,
  sign,
  signHash,
  stateHash,
  stateToClarity,
  toHex,
  type Channel,
  type ChannelRecord,
  type ChannelState,
  type Htlc,
  type Token,
} from '../contracts/helpers.js';
import { Entropy } from './entropy.js';
import { ownKey, sessionKey, sessionPublicKey } from './keys.js';

type CallResult = ReturnType<Simnet['callPublicFn']>;

/** The bitstream functions whose random arguments are rewritten. */
export const STEERED_FUNCTIONS = [
  'create-channel', 'fund-channel', 'update-balance', 'withdraw', 'add-signer', 'close-channel',
  'initiate-dispute', 'emergency-close', 'challenge', 'resolve', 'settle-htlc',
] as const;
type SteeredFunction = (typeof STEERED_FUNCTIONS)[number];

const Status = { Open: 0n, Closing: 1n, Closed: 2n } as const;
const TOKENS: readonly Token[] = [null, TEST_TOKEN, SBTC];
/** Below the ghost list's 150 (contracts/bitstream.tests.clar): past it, opens are steered to fail. */
const MAX_CHANNELS = 140;
/** Share of calls left with rendezvous's random arguments (error paths, raw opens). */
const RAW_SHARE = 0.1;
/** Share of steered state calls turned into an attack that must be refused. */
const ATTACK_SHARE = 0.2;

type Attack =
  | 'stale-nonce' | 'foreign-contract' | 'high-s' | 'swapped-signatures' | 'outsider-signature'
  | 'sum-mismatch' | 'wrong-action' | 'wrong-actor' | 'wrong-token';

interface Tracked extends Channel {
  status: bigint;
  htlcCount: number;
  /** indices of its final state's HTLCs already paid out */
  settled: Set<number>;
}

interface Choice {
  ch: Tracked;
  rec: ChannelRecord;
  /** the caller is not a participant of a participant-only call */
  outsider: boolean;
}

interface Plan {
  args: ClarityValue[];
  /** 'refused': an attack, whose success is a violation */
  expect: 'any' | 'refused';
  label: string;
}

export interface Tally {
  ok: number;
  err: number;
  /** how often each error answered, by its Clarity text (`(err u304)`, `runtime`) */
  errors: Map<string, number>;
}

export interface SteerReport {
  /** per function and plan label (`fund-channel:honest`, `challenge:high-s`, `update-balance:raw`) */
  readonly outcomes: Map<string, Tally>;
  /** broken rules, each also thrown to rendezvous as a failure */
  readonly violations: string[];
  /** invariant checks rendezvous made */
  invariantChecks: number;
}

export class Steering {
  readonly channels: Tracked[] = [];
  readonly report: SteerReport = { outcomes: new Map(), violations: [], invariantChecks: 0 };
  private readonly byId = new Map<string, Tracked>();

  constructor(
    private readonly simnet: Simnet,
    private readonly accounts: readonly string[],
    /** told what was sent instead of rendezvous's random arguments (its log shows those) */
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The simnet to hand to rendezvous: the same chain, with calls going through here. */
  wrap(): Simnet {
    return new Proxy(this.simnet, {
      get: (target, prop) => {
        if (prop === 'callPublicFn') {
          return (contract: string, fn: string, args: ClarityValue[], sender: string) => this.call(contract, fn, args, sender);
        }
        // The simnet lists accounts in hash-map order, which changes with what the process
        // ran before (the whole suite shares one fork). rendezvous draws callers from that
        // list, so a fixed seed replays the same run only if the order is fixed: by name.
        if (prop === 'getAccounts') return () => sortedAccounts(target);
        if (prop === 'callReadOnlyFn') {
          return (contract: string, fn: string, args: ClarityValue[], sender: string) => {
            if (fn.startsWith('invariant-')) this.report.invariantChecks++;
            return target.callReadOnlyFn(contract, fn, args, sender);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Record what the contract holds of each token, for invariant-token-escrow-is-held. */
  observeHoldings(): void {
    for (const token of [TEST_TOKEN, SBTC]) {
      const r = this.simnet.callPublicFn(CHANNEL, 'rv-observe-holdings', [Cl.principal(token)], deployer);
      if (r.result.type !== 'ok') this.violation(`rv-observe-holdings ${token} failed`);
    }
  }

  private call(contract: string, fn: string, args: ClarityValue[], sender: string): CallResult {
    if (contract !== CHANNEL || !(STEERED_FUNCTIONS as readonly string[]).includes(fn)) {
      return this.simnet.callPublicFn(contract, fn, args, sender);
    }
    const e = new Entropy(fn, sender, args);
    // once the ghost list is nearly full, every open is steered to fail (even a raw one)
    const full = fn === 'create-channel' && this.channels.length >= MAX_CHANNELS;
    const plan = e.chance(RAW_SHARE) && !full ? null : this.plan(fn as SteeredFunction, sender, e);
    const sent = plan?.args ?? args;
    if (plan) this.log(`  steered ${fn} (${plan.label}): ${sent.map((a) => cvToString(a)).join(' ')}`);
    const result = this.simnet.callPublicFn(contract, fn, sent, sender);
    this.after(fn as SteeredFunction, sender, sent, result, plan);
    return result;
  }

  // ------------------------------------------------------------------------------
  // After a call: outcomes, attack and payout checks, ghost state
  // ------------------------------------------------------------------------------

  private after(fn: SteeredFunction, sender: string, args: ClarityValue[], result: CallResult, plan: Plan | null): void {
    const ok = result.result.type === 'ok';
    const key = `${fn}:${plan?.label ?? 'raw'}`;
    const tally = this.report.outcomes.get(key) ?? { ok: 0, err: 0, errors: new Map<string, number>() };
    tally[ok ? 'ok' : 'err']++;
    this.report.outcomes.set(key, tally);
    if (!ok) {
      const code = cvToString(result.result);
      tally.errors.set(code, (tally.errors.get(code) ?? 0) + 1);
      return;
    }
    if (plan?.expect === 'refused') {
      this.violation(`${fn} by ${sender} accepted the attack "${plan.label}": ${JSON.stringify(plain(args[0]!))}`);
    }
    const ch = fn === 'create-channel' ? this.opened(sender, args, result) : this.byId.get(channelIdOf(args));
    if (ch === undefined) return;
    if (fn === 'settle-htlc' && args[1]?.type === 'uint') ch.settled.add(Number(args[1].value));
    this.checkPayouts(fn, ch, result);
    const tracked = this.simnet.callPublicFn(CHANNEL, 'rv-track', [Cl.buffer(ch.id)], deployer);
    if (tracked.result.type !== 'ok') this.violation(`rv-track refused channel ${toHex(ch.id)}`);
    const rec = this.record(ch.id);
    ch.status = rec.status;
    ch.htlcCount = rec.htlcs.length;
    if (ch.token !== null) this.observeHoldings();
  }

  /** A channel create-channel just opened, now tracked. */
  private opened(sender: string, args: ClarityValue[], result: CallResult): Tracked {
    const id = hex((plain(result.result) as string).replace(/^0x/, ''));
    const token = args[1]!.type === 'some' ? principalOf(args[1]!.value) : null;
    const ch: Tracked = { id, a: sender, b: principalOf(args[0]!), token, contract: CHANNEL, status: Status.Open, htlcCount: 0, settled: new Set() };
    this.channels.push(ch);
    this.byId.set(toHex(id), ch);
    return ch;
  }

  /** I5: whatever the contract sends goes to the channel's participants, in its token. */
  private checkPayouts(fn: string, ch: Tracked, result: CallResult): void {
    for (const ev of result.events as { event: string; data: Record<string, string> }[]) {
      if (ev.event !== 'stx_transfer_event' && ev.event !== 'ft_transfer_event') continue;
      if (ev.data['sender'] !== CHANNEL) continue;
      const recipient = ev.data['recipient'];
      if (recipient !== ch.a && recipient !== ch.b) {
        this.violation(`${fn} paid ${recipient}, not a participant of ${toHex(ch.id)}`);
      }
      const asset = ev.event === 'stx_transfer_event' ? null : (ev.data['asset_identifier'] ?? '').split('::')[0]!;
      if (asset !== ch.token) this.violation(`${fn} paid in ${asset ?? 'STX'} from a ${ch.token ?? 'STX'} channel`);
    }
  }

  private violation(message: string): never {
    this.report.violations.push(message);
    throw new PostDialerError(message);
  }

  // ------------------------------------------------------------------------------
  // Plans: the arguments to send instead of the random ones (null: keep them)
  // ------------------------------------------------------------------------------

  private plan(fn: SteeredFunction, sender: string, e: Entropy): Plan | null {
    switch (fn) {
      case 'create-channel':
        return this.planCreate(sender, e);
      case 'add-signer': {
        const c = this.choose(e, sender, [Status.Open], true);
        return c && this.idPlan(c, [Cl.buffer(c.ch.id), Cl.buffer(sessionPublicKey(sender))]);
      }
      case 'emergency-close': {
        const c = this.choose(e, sender, [Status.Open], true);
        return c && this.idPlan(c, [Cl.buffer(c.ch.id)]);
      }
      case 'resolve':
        return this.planResolve(sender, e);
      case 'settle-htlc':
        return this.planSettle(e);
      default:
        return this.planState(fn, sender, e);
    }
  }

  private planCreate(sender: string, e: Entropy): Plan {
    const self = e.chance(0.05);
    // mostly a counterparty whose own key the suite holds: an account without one can
    // sign only once it has authorised its session key with add-signer
    const others = this.accounts.filter((x) => x !== sender);
    const known = others.filter((x) => ownKey(x) !== undefined);
    const b = self ? sender : e.pick(e.chance(0.7) ? known : others);
    const token = e.pick(TOKENS);
    const full = this.channels.length >= MAX_CHANNELS;
    // an account whose key the suite lacks signs through its session key
    const signer = !ownKey(sender) || e.chance(0.3) ? Cl.some(Cl.buffer(sessionPublicKey(sender))) : Cl.none();
    return {
      args: [
        Cl.principal(b),
        token === null ? Cl.none() : Cl.some(Cl.principal(token)),
        Cl.uint(1n + e.bigBelow(1_000_000n)),
        // short windows end within a run's burn blocks; long ones leave room to challenge
        Cl.uint(full ? 0n : e.chance(0.5) ? 6n + e.bigBelow(10n) : 200n + e.bigBelow(2000n)),
        signer,
      ],
      expect: self || full ? 'refused' : 'any',
      label: self ? 'self-channel' : full ? 'ghost-list-full' : 'honest',
    };
  }

  private idPlan(c: Choice, args: ClarityValue[]): Plan {
    return { args, expect: c.outsider ? 'refused' : 'any', label: c.outsider ? 'outsider-caller' : 'honest' };
  }

  private planResolve(sender: string, e: Entropy): Plan | null {
    const c = this.choose(e, sender, [Status.Closing], false);
    if (!c) return null;
    const wrong = e.chance(0.1);
    const token = wrong ? e.pick(TOKENS.filter((t) => t !== c.ch.token)) : c.ch.token;
    return { args: [Cl.buffer(c.ch.id), tokenArg(token)], expect: wrong ? 'refused' : 'any', label: wrong ? 'wrong-token' : 'honest' };
  }

  private planSettle(e: Entropy): Plan | null {
    const closed = this.channels.filter((c) => c.status === Status.Closed && c.htlcCount > c.settled.size);
    if (closed.length === 0) return null;
    const ch = e.pick(closed);
    const unsettled = [...Array(ch.htlcCount).keys()].filter((i) => !ch.settled.has(i));
    const attacks = ['wrong-token', 'htlc-index', ...(ch.settled.size > 0 ? ['settle-twice'] : [])];
    const attack = e.chance(0.2) ? e.pick(attacks) : null;
    const index = attack === 'htlc-index' ? ch.htlcCount : attack === 'settle-twice' ? e.pick([...ch.settled]) : e.pick(unsettled);
    const token = attack === 'wrong-token' ? e.pick(TOKENS.filter((t) => t !== ch.token)) : ch.token;
    return { args: [Cl.buffer(ch.id), Cl.uint(index), tokenArg(token)], expect: attack ? 'refused' : 'any', label: attack ?? 'honest' };
  }

  private planState(fn: SteeredFunction, sender: string, e: Entropy): Plan | null {
    const closing = fn === 'challenge';
    const c = this.choose(e, sender, [closing ? Status.Closing : Status.Open], !closing);
    if (!c) return null;
    const { ch, rec } = c;
    const floor = rec.nonce;
    const base = { channelId: ch.id, actor: null, amount: 0n };
    switch (fn) {
      case 'fund-channel': {
        const amount = 1n + e.bigBelow(100_000n);
        const toA = sender === ch.a;
        const split = e.chance(0.5)
          ? { balanceA: rec['balance-a'] + (toA ? amount : 0n), balanceB: rec['balance-b'] + (toA ? 0n : amount), htlcs: htlcsOf(rec) }
          : this.split(rec.total + amount, e);
        const draft = { ...base, ...split, nonce: floor + 1n + skip(e), action: Action.Deposit, actor: sender, amount };
        const signer = !ownKey(sender) || e.chance(0.3) ? Cl.some(Cl.buffer(sessionPublicKey(sender))) : Cl.none();
        return this.stateCall(c, sender, e, draft, floor + 1n, { token: true, actor: true, tail: [signer] });
      }
      case 'update-balance': {
        const draft = { ...base, ...this.split(rec.total, e), nonce: floor + 1n + skip(e), action: Action.Transfer };
        return this.stateCall(c, sender, e, draft, floor + 1n, {});
      }
      case 'withdraw': {
        const split = this.split(rec.total, e);
        const fromA = sender === ch.a;
        const mine = fromA ? split.balanceA : split.balanceB;
        const amount = mine === 0n ? 0n : 1n + e.bigBelow(mine);
        const draft = {
          ...base, ...split, nonce: floor + 1n + skip(e), action: Action.Withdraw, actor: sender, amount,
          balanceA: fromA ? split.balanceA - amount : split.balanceA,
          balanceB: fromA ? split.balanceB : split.balanceB - amount,
        };
        return this.stateCall(c, sender, e, draft, floor + 1n, { token: true, actor: true });
      }
      case 'close-channel': {
        const draft = { ...base, ...this.split(rec.total, e), nonce: floor + e.bigBelow(2n), action: Action.Close };
        return this.stateCall(c, sender, e, draft, floor, { token: true });
      }
      case 'initiate-dispute': {
        const latest = e.chance(0.3);
        const split = latest ? { balanceA: rec['balance-a'], balanceB: rec['balance-b'], htlcs: htlcsOf(rec) } : this.split(rec.total, e);
        const action = latest || e.chance(0.5) ? Action.Transfer : Action.Close;
        const draft = { ...base, ...split, nonce: latest ? floor : floor + e.bigBelow(3n), action };
        return this.stateCall(c, sender, e, draft, floor, {});
      }
      case 'challenge': {
        // a newer state that lowers the closer's balance marks the closer as cheater (6.3)
        const closerIsA = rec.closer === ch.a;
        const closerHad = closerIsA ? rec['balance-a'] : rec['balance-b'];
        const cheat = closerHad > 0n && e.chance(0.4);
        const pay = cheat ? e.bigBelow(closerHad) : 0n;
        const split = cheat
          ? { balanceA: closerIsA ? pay : rec.total - pay, balanceB: closerIsA ? rec.total - pay : pay, htlcs: [] }
          : this.split(rec.total, e);
        const draft = { ...base, ...split, nonce: floor + 1n + skip(e), action: e.chance(0.5) ? Action.Transfer : Action.Close };
        return this.stateCall(c, sender, e, draft, floor + 1n, { label: cheat ? 'penalty' : 'honest' });
      }
      default:
        return null;
    }
  }

  /** Sign `draft` for both participants (or apply an attack), and build the arguments. */
  private stateCall(
    c: Choice,
    sender: string,
    e: Entropy,
    draft: ChannelState,
    minNonce: bigint,
    o: { token?: boolean; actor?: boolean; tail?: ClarityValue[]; label?: string },
  ): Plan {
    const { ch } = c;
    const attacks: Attack[] = ['foreign-contract', 'high-s', 'swapped-signatures', 'outsider-signature', 'sum-mismatch', 'wrong-action'];
    if (minNonce > 0n) attacks.push('stale-nonce');
    if (o.token) attacks.push('wrong-token');
    if (o.actor) attacks.push('wrong-actor');
    // an attack by a participant, so that it is refused for its own reason
    const attack = !c.outsider && e.chance(ATTACK_SHARE) ? e.pick(attacks) : null;

    let st: ChannelState = draft;
    if (attack === 'stale-nonce') st = { ...st, nonce: minNonce - 1n - e.bigBelow(minNonce) };
    if (attack === 'sum-mismatch') st = { ...st, balanceA: st.balanceA + 1n };
    // deposit is refused by every function but fund-channel, withdraw by fund-channel
    if (attack === 'wrong-action') st = { ...st, action: st.action === Action.Deposit ? Action.Withdraw : Action.Deposit };
    if (attack === 'wrong-actor') st = { ...st, actor: sender === ch.a ? ch.b : ch.a };

    const contract = attack === 'foreign-contract' ? CHANNEL_2 : CHANNEL;
    let s = sign(ch, st, { keyA: this.keyFor(ch, ch.a, e), keyB: this.keyFor(ch, ch.b, e), contract });
    if (attack === 'high-s') s = { ...s, sigA: highS(s.sigA) };
    if (attack === 'swapped-signatures') s = { ...s, sigA: s.sigB, sigB: s.sigA };
    if (attack === 'outsider-signature') {
      const outsider = e.pick(Object.keys(keys).filter((k) => k !== ch.a && k !== ch.b));
      s = { ...s, sigB: signHash(stateHash(st, domainHashOf(CHANNEL)), keys[outsider]!) };
    }
    const token = attack === 'wrong-token' ? e.pick(TOKENS.filter((t) => t !== ch.token)) : ch.token;

    const args: ClarityValue[] = [stateToClarity(st), Cl.buffer(s.sigA), Cl.buffer(s.sigB)];
    if (o.token) args.push(tokenArg(token));
    args.push(...(o.tail ?? []));
    const refused = attack !== null || c.outsider;
    return { args, expect: refused ? 'refused' : 'any', label: attack ?? (c.outsider ? 'outsider-caller' : (o.label ?? 'honest')) };
  }

  // ------------------------------------------------------------------------------
  // Choices and chain reads
  // ------------------------------------------------------------------------------

  /**
   * A channel in one of `statuses`: for a participant-only call, mostly one the caller is
   * in, sometimes (or when it is in none) one it is not, as an outsider attack.
   */
  private choose(e: Entropy, sender: string, statuses: bigint[], participantOnly: boolean): Choice | null {
    const fits = this.channels.filter((c) => statuses.includes(c.status));
    const mine = fits.filter((c) => c.a === sender || c.b === sender);
    const outsider = participantOnly && (mine.length === 0 ? e.chance(0.5) : e.chance(0.1));
    if (participantOnly && !outsider && mine.length === 0) return null;
    const pool = !participantOnly ? fits : outsider ? fits.filter((c) => c.a !== sender && c.b !== sender) : mine;
    if (pool.length === 0) return null;
    const ch = e.pick(pool);
    return { ch, rec: this.record(ch.id), outsider };
  }

  /** Own devnet key (mostly) or the session key, whichever the contract will accept. */
  private keyFor(ch: Tracked, who: string, e: Entropy): Uint8Array {
    const own = ownKey(who);
    if (own === undefined) return sessionKey(who);
    if (e.chance(0.75)) return own;
    const authorised = this.simnet.callReadOnlyFn(
      CHANNEL, 'is-authorised-signer', [Cl.buffer(ch.id), Cl.principal(who), Cl.buffer(sessionPublicKey(who))], deployer,
    ).result;
    return authorised.type === 'true' ? sessionKey(who) : own;
  }

  private record(id: Uint8Array): ChannelRecord {
    const r = this.simnet.callReadOnlyFn(CHANNEL, 'get-channel', [Cl.buffer(id)], deployer).result;
    if (r.type === 'none') throw new Error(`tracked channel ${toHex(id)} has no record`);
    return plain(r) as ChannelRecord;
  }

  /** A random split of `total` into two balances and up to two HTLCs on RV-SECRETS. */
  private split(total: bigint, e: Entropy): { balanceA: bigint; balanceB: bigint; htlcs: Htlc[] } {
    const htlcs: Htlc[] = [];
    let rest = total;
    const count = total >= 4n ? e.below(3) : 0;
    for (let i = 0; i < count; i++) {
      const amount = 1n + e.bigBelow(rest / 4n);
      rest -= amount;
      htlcs.push({
        hash: secretPair(1 + e.below(4)).hash,
        amount,
        expiry: BigInt(this.simnet.burnBlockHeight) + 1n + e.bigBelow(40n),
        offeredByA: e.chance(0.5),
      });
    }
    const balanceA = e.bigBelow(rest + 1n);
    return { balanceA, balanceB: rest - balanceA, htlcs };
  }
}

/** The simnet's accounts, ordered by name rather than by hash. */
export function sortedAccounts(simnet: Simnet): Map<string, string> {
  return new Map([...simnet.getAccounts()].sort(([x], [y]) => x.localeCompare(y)));
}

/** Mostly 0; sometimes a nonce jumps ahead, which the protocol allows (nonce > floor). */
function skip(e: Entropy): bigint {
  return e.chance(0.2) ? e.bigBelow(3n) : 0n;
}

function tokenArg(token: Token): ClarityValue {
  return token === null ? Cl.none() : Cl.some(Cl.principal(token));
}

function htlcsOf(rec: ChannelRecord): Htlc[] {
  return rec.htlcs.map((h) => ({ hash: hex(h.hash.replace(/^0x/, '')), amount: h.amount, expiry: h.expiry, offeredByA: h['offered-by-a'] }));
}

function principalOf(cv: ClarityValue): string {
  if (cv.type !== 'address' && cv.type !== 'contract') throw new TypeError(`not a principal: ${cv.type}`);
  return cv.value;
}

/** The channel a call acted on, as hex ('' when the arguments name none). */
function channelIdOf(args: ClarityValue[]): string {
  const first = args[0];
  if (first === undefined) return '';
  if (first.type === 'buffer') return first.value.replace(/^0x/, '');
  if (first.type === 'tuple') {
    const id = first.value['channel-id'];
    if (id?.type === 'buffer') return id.value.replace(/^0x/, '');
  }
  return '';
}
