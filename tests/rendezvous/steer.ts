// The steering dialer: turns rendezvous's random calls to `bitstream` into calls that
// can succeed, or into named attacks that must fail (protocol version 2).
//
// Random bytes never make a valid signature, so on their own rendezvous's calls to the
// state-taking functions all fail. rendezvous's own `--dial` hooks are not told the
// caller, which fund-channel needs (the actor is the caller), so this wraps the simnet
// rendezvous drives instead. For each call to a steered function it picks, from a hash
// of the random arguments (Entropy), a channel and a co-signed state in the function's
// argument layout (client/src/chain/signed.ts: the state as separate fields, implied
// ones left out), or a deliberate attack: stale nonce, foreign contract, high-S, swapped
// or outsider signature, sum mismatch, a state signed for another action, an expired
// chain state, a wrong actor or token, a participant's call through an intermediary
// contract; and calls with those arguments and the caller rendezvous chose. A share of
// calls keeps the random arguments. After each successful call it checks that no attack
// got through, that the contract paid only the channel's participants (I5), that a
// challenge marked the closer exactly when the new state owes it less (6.3, balance
// plus HTLCs payable to it), and updates the ghost state the Clarity invariants read
// (rv-track, rv-observe-holdings). Around some payouts of the refusing token it blocks
// the recipient, so refused payouts wait in `unpaid` and `claim` has something to pay.
//
// Owns: the list of channels seen (ids, participants, token, cached status) and the
// steering report. Must not: call a bitstream function rendezvous did not choose, other
// than the read-only ones and the rv-* ghost functions of contracts/bitstream.tests.clar
// (a participant's attack through the intermediary calls the function rendezvous chose).
import type { Simnet } from '@stacks/clarinet-sdk';
import { Cl, cvToString, type ClarityValue } from '@stacks/transactions';
import { PostDialerError } from '@stacks/rendezvous/dist/dialer.js';
import { stateArgs, type StateFunction } from '../../client/src/chain/signed.js';
import { owed } from '../../client/src/channel/transition.js';
import {
  Action,
  CHANNEL,
  CHANNEL_2,
  PROXY,
  Party,
  REFUSING_TOKEN,
  SBTC,
  Status,
  TEST_TOKEN,
  deployer,
  domainHashOf,
  hex,
  highS,
  keys,
  plain,
  mapEntryOrNone,
  secretPair,
  setBlocked,
  sign,
  signHash,
  stateHash,
  toHex,
  tokenArg,
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
  'initiate-dispute', 'emergency-close', 'challenge', 'resolve', 'settle-htlc', 'claim',
] as const;
type SteeredFunction = (typeof STEERED_FUNCTIONS)[number];

/** The test-only contracts the runner deploys next to bitstream (tests/contracts/fixtures/): REFUSING_TOKEN and PROXY. */
export const FIXTURES = ['block-token', 'proxy'] as const;

const TOKENS: readonly Token[] = [null, TEST_TOKEN, SBTC, REFUSING_TOKEN];
/** Below the ghost list's 150 (contracts/bitstream.tests.clar): past it, opens are steered to fail. */
const MAX_CHANNELS = 140;
/** Share of calls left with rendezvous's random arguments (error paths, raw opens). */
const RAW_SHARE = 0.1;
/** Share of steered state calls turned into an attack that must be refused. */
const ATTACK_SHARE = 0.2;
/** Share of refusing-token payouts made while the token refuses one recipient. */
const BLOCK_SHARE = 0.4;
const NO_DATA = new Uint8Array(32);

type Attack =
  | 'stale-nonce' | 'foreign-contract' | 'high-s' | 'swapped-signatures' | 'outsider-signature'
  | 'sum-mismatch' | 'wrong-action' | 'signed-for-another-action' | 'tampered-data' | 'expired'
  | 'wrong-actor' | 'wrong-token' | 'via-proxy';

/** The participant-only functions: a participant's call through the proxy must be refused. */
const PARTICIPANT_ONLY: readonly string[] = ['fund-channel', 'update-balance', 'withdraw', 'add-signer', 'close-channel', 'initiate-dispute', 'emergency-close'];

interface Tracked extends Channel {
  status: bigint;
  htlcCount: number;
  /** indices of its final state's HTLCs already paid out */
  settled: Set<number>;
}

/** get-channel's record, decoded (closer and cheater: 0 nobody, 1 a, 2 b): the suites' one shape of it. */
type Rec = ChannelRecord;

interface Choice {
  ch: Tracked;
  rec: Rec;
  /** the caller is not a participant of a participant-only call */
  outsider: boolean;
}

interface Plan {
  args: ClarityValue[];
  /** 'refused': an attack, whose success is a violation */
  expect: 'any' | 'refused';
  label: string;
  /** call this contract instead of bitstream (a participant's call through the proxy) */
  via?: string;
  /** a recipient the refusing token blocks for this call (unblocked right after) */
  block?: string;
  /** for a challenge: the cheater mark the record must show afterwards (6.3) */
  cheater?: bigint;
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
  /** steered attacks the contract refused (each a plan that expected refusal) */
  refusedAttacks: number;
}

export class Steering {
  readonly channels: Tracked[] = [];
  readonly report: SteerReport = { outcomes: new Map(), violations: [], invariantChecks: 0, refusedAttacks: 0 };
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

  /** Record what the contract holds of each SIP-010 token (or one), for invariant-token-held-is-totals-plus-unpaid. */
  observeHoldings(only?: string): void {
    for (const token of only === undefined ? [TEST_TOKEN, SBTC, REFUSING_TOKEN] : [only]) {
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
    const target = plan?.via ?? contract;
    if (plan) this.log(`  steered ${fn} (${plan.label}${plan.via ? ' via proxy' : ''}): ${sent.map((a) => cvToString(a)).join(' ')}`);
    if (plan?.block) setBlocked(plan.block, true, this.simnet);
    let result: CallResult;
    try {
      result = this.simnet.callPublicFn(target, fn, sent, sender);
    } catch (error) {
      // a runtime error (an abort): rendezvous logs it and goes on; tally it here
      this.tally(fn, plan, 'runtime');
      throw error;
    } finally {
      if (plan?.block) setBlocked(plan.block, false, this.simnet);
    }
    this.after(fn as SteeredFunction, sender, sent, result, plan);
    return result;
  }

  // ------------------------------------------------------------------------------
  // After a call: outcomes, attack, payout and penalty checks, ghost state
  // ------------------------------------------------------------------------------

  private tally(fn: string, plan: Plan | null, error: string | null): void {
    const key = `${fn}:${plan?.label ?? 'raw'}${plan?.via ? ' (via proxy)' : ''}`;
    const t = this.report.outcomes.get(key) ?? { ok: 0, err: 0, errors: new Map<string, number>() };
    t[error === null ? 'ok' : 'err']++;
    if (error !== null) t.errors.set(error, (t.errors.get(error) ?? 0) + 1);
    this.report.outcomes.set(key, t);
  }

  private after(fn: SteeredFunction, sender: string, args: ClarityValue[], result: CallResult, plan: Plan | null): void {
    const ok = result.result.type === 'ok';
    this.tally(fn, plan, ok ? null : cvToString(result.result));
    if (!ok) {
      if (plan?.expect === 'refused') this.report.refusedAttacks++;
      return;
    }
    if (plan?.expect === 'refused') {
      this.violation(`${fn} by ${sender}${plan.via ? ' via the proxy' : ''} accepted the attack "${plan.label}": ${args.slice(0, 5).map((a) => cvToString(a)).join(' ')}`);
    }
    const ch = fn === 'create-channel' ? this.opened(sender, args, result) : this.byId.get(channelIdOf(args));
    if (ch === undefined) return;
    if (fn === 'settle-htlc' && args[1]?.type === 'uint') ch.settled.add(Number(args[1].value));
    this.checkPayouts(fn, ch, result);
    if (fn === 'withdraw') this.checkWithdrawal(ch, args, result);
    const tracked = this.simnet.callPublicFn(CHANNEL, 'rv-track', [Cl.buffer(ch.id)], deployer);
    if (tracked.result.type !== 'ok') this.violation(`rv-track refused channel ${toHex(ch.id)}`);
    const rec = this.record(ch.id);
    if (plan?.cheater !== undefined && rec.cheater !== plan.cheater) {
      this.violation(`challenge (${plan.label}) left the cheater mark at ${rec.cheater}, not ${plan.cheater} (6.3: owed, not balance)`);
    }
    ch.status = rec.status;
    ch.htlcCount = rec.htlcs.length;
    if (ch.token !== null) this.observeHoldings(ch.token);
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

  /** 4.3: a landed withdraw pays exactly its amount to its actor, whoever landed it. */
  private checkWithdrawal(ch: Tracked, args: ClarityValue[], result: CallResult): void {
    const actor = args[5]!.type === 'address' || args[5]!.type === 'contract' ? args[5]!.value : '';
    const amount = args[6]!.type === 'uint' ? BigInt(args[6]!.value) : -1n;
    const paid = (result.events as { event: string; data: Record<string, string> }[])
      .filter((ev) => (ev.event === 'stx_transfer_event' || ev.event === 'ft_transfer_event') && ev.data['sender'] === CHANNEL)
      .map((ev) => ({ to: ev.data['recipient'], amount: BigInt(ev.data['amount'] ?? '0') }));
    if (paid.length !== 1 || paid[0]!.to !== actor || paid[0]!.amount !== amount) {
      this.violation(`withdraw in ${toHex(ch.id)} paid ${JSON.stringify(paid, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}, not ${amount} to its actor ${actor}`);
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
    const plan = this.basePlan(fn, sender, e);
    // a participant's own call, routed through an intermediary contract: the contract
    // sees the proxy as its caller, so it is refused (u100, or u101 for a deposit)
    if (plan !== null && plan.expect === 'any' && PARTICIPANT_ONLY.includes(fn) && e.chance(0.05)) {
      return { ...plan, via: PROXY, expect: 'refused', label: 'via-proxy', cheater: undefined };
    }
    return plan;
  }

  private basePlan(fn: SteeredFunction, sender: string, e: Entropy): Plan | null {
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
      case 'claim':
        return this.planClaim(e);
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
        tokenArg(token),
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
    return {
      args: [Cl.buffer(c.ch.id), tokenArg(token)], expect: wrong ? 'refused' : 'any', label: wrong ? 'wrong-token' : 'honest',
      block: this.blockFor(c.ch, e),
    };
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

  /**
   * claim: a payout waiting in `unpaid`, or a share of a closing channel (which the
   * claim finalises once its window has ended); attacks: the wrong token, an owner
   * nothing waits for.
   */
  private planClaim(e: Entropy): Plan | null {
    const waiting = this.channels.flatMap((c) => [c.a, c.b].filter((o) => this.unpaid(c, o) > 0n).map((owner) => ({ c, owner })));
    const closing = this.channels.filter((c) => c.status === Status.Closing).map((c) => ({ c, owner: e.chance(0.5) ? c.a : c.b }));
    const pool = waiting.length > 0 && (closing.length === 0 || e.chance(0.6)) ? waiting : closing;
    if (pool.length === 0) return null;
    const { c, owner } = e.pick(pool);
    const attack = e.chance(0.15) ? e.pick(['wrong-token', 'nothing-owed'] as const) : null;
    const token = attack === 'wrong-token' ? e.pick(TOKENS.filter((t) => t !== c.token)) : c.token;
    const who = attack === 'nothing-owed' ? e.pick(this.accounts.filter((x) => x !== c.a && x !== c.b)) : owner;
    return {
      args: [Cl.buffer(c.id), Cl.principal(who), tokenArg(token)], expect: attack ? 'refused' : 'any', label: attack ?? 'honest',
      block: attack ? undefined : this.blockFor(c, e),
    };
  }

  /** Sometimes, on a refusing-token channel, one participant the token refuses during the call. */
  private blockFor(ch: Tracked, e: Entropy): string | undefined {
    return ch.token === REFUSING_TOKEN && e.chance(BLOCK_SHARE) ? (e.chance(0.5) ? ch.a : ch.b) : undefined;
  }

  private planState(fn: SteeredFunction, sender: string, e: Entropy): Plan | null {
    const closing = fn === 'challenge';
    const c = this.choose(e, sender, [closing ? Status.Closing : Status.Open], !closing);
    if (!c) return null;
    const { ch, rec } = c;
    const floor = rec.nonce;
    const base = { channelId: ch.id, actor: null, amount: 0n, validUntil: 0n, data: this.data(e) };
    const burn = BigInt(this.simnet.burnBlockHeight);
    // a chain state lands by its valid-until (4.3): mostly ahead, at the edge now and then
    const validUntil = burn + (e.chance(0.1) ? 0n : 1n + e.bigBelow(30n));
    switch (fn) {
      case 'fund-channel': {
        const amount = 1n + e.bigBelow(100_000n);
        const toA = sender === ch.a;
        const split = e.chance(0.5)
          ? { balanceA: rec['balance-a'] + (toA ? amount : 0n), balanceB: rec['balance-b'] + (toA ? 0n : amount), htlcs: htlcsOf(rec) }
          : this.split(rec.total + amount, e);
        const draft = { ...base, ...split, nonce: floor + 1n + skip(e), action: Action.Deposit, actor: sender, amount, validUntil };
        const signer = !ownKey(sender) || e.chance(0.3) ? Cl.some(Cl.buffer(sessionPublicKey(sender))) : Cl.none();
        return this.stateCall('fund-channel', c, sender, e, draft, floor + 1n, { token: true, actor: true, tail: [signer] });
      }
      case 'update-balance': {
        const draft = { ...base, ...this.split(rec.total, e), nonce: floor + 1n + skip(e), action: Action.Transfer };
        return this.stateCall('update-balance', c, sender, e, draft, floor + 1n, {});
      }
      case 'withdraw': {
        // either participant lands a withdraw; it pays its actor (4.3)
        const actor = e.chance(0.3) ? (sender === ch.a ? ch.b : ch.a) : sender;
        const split = this.split(rec.total, e);
        const fromA = actor === ch.a;
        const mine = fromA ? split.balanceA : split.balanceB;
        const amount = mine === 0n ? 0n : 1n + e.bigBelow(mine);
        const draft = {
          ...base, ...split, nonce: floor + 1n + skip(e), action: Action.Withdraw, actor, amount, validUntil,
          balanceA: fromA ? split.balanceA - amount : split.balanceA,
          balanceB: fromA ? split.balanceB : split.balanceB - amount,
        };
        return this.stateCall('withdraw', c, sender, e, draft, floor + 1n, { token: true, actor: true, label: actor === sender ? 'honest' : 'other-lands' });
      }
      case 'close-channel': {
        const draft = { ...base, ...this.split(rec.total, e), nonce: floor + e.bigBelow(2n), action: Action.Close, validUntil };
        return this.stateCall('close-channel', c, sender, e, draft, floor, { token: true, block: this.blockFor(ch, e) });
      }
      case 'initiate-dispute': {
        const latest = e.chance(0.3);
        const split = latest ? { balanceA: rec['balance-a'], balanceB: rec['balance-b'], htlcs: htlcsOf(rec) } : this.split(rec.total, e);
        const close = !latest && e.chance(0.5);
        // a close state closes unilaterally too, whatever its valid-until
        const draft = { ...base, ...split, nonce: latest ? floor : floor + e.bigBelow(3n), action: close ? Action.Close : Action.Transfer, validUntil: close ? burn : 0n };
        return this.stateCall('initiate-dispute', c, sender, e, draft, floor, {});
      }
      case 'challenge':
        return this.planChallenge(c, sender, e, base);
      default:
        return null;
    }
  }

  /**
   * A newer state for a closing channel. The penalty test counts what the state owes
   * the closer (balance plus HTLCs payable to it, 6.3): `penalty` lowers the closer's
   * balance, `penalty-htlc` keeps it and fails an HTLC payable to the closer (a
   * balance-only rule would miss it), `honest` owes the closer no less. Each plan names
   * the cheater mark the record must show afterwards.
   */
  private planChallenge(c: Choice, sender: string, e: Entropy, base: Pick<ChannelState, 'channelId' | 'actor' | 'amount' | 'validUntil' | 'data'>): Plan {
    const { rec } = c;
    const closerIsA = rec.closer === Party.A;
    const closerHad = closerIsA ? rec['balance-a'] : rec['balance-b'];
    const htlcs = htlcsOf(rec);
    const payableToCloser = htlcs.map((h, i) => ({ h, i })).filter(({ h }) => h.offeredByA !== closerIsA);
    const kind = closerHad > 0n && e.chance(0.3) ? 'penalty' : payableToCloser.length > 0 && e.chance(0.3) ? 'penalty-htlc' : 'honest';
    let split: { balanceA: bigint; balanceB: bigint; htlcs: Htlc[] };
    if (kind === 'penalty') {
      const pay = e.bigBelow(closerHad);
      split = { balanceA: closerIsA ? pay : rec.total - pay, balanceB: closerIsA ? rec.total - pay : pay, htlcs: [] };
    } else if (kind === 'penalty-htlc') {
      // the closer, as receiver, failed this HTLC: its amount goes back to the offerer
      const { h, i } = e.pick(payableToCloser);
      split = {
        balanceA: rec['balance-a'] + (closerIsA ? 0n : h.amount), balanceB: rec['balance-b'] + (closerIsA ? h.amount : 0n),
        htlcs: htlcs.filter((_h, j) => j !== i),
      };
    } else {
      split = this.split(rec.total, e);
    }
    const draft: ChannelState = { ...base, ...split, nonce: rec.nonce + 1n + skip(e), action: e.chance(0.5) ? Action.Transfer : Action.Close };
    const owedBefore = owed({ balanceA: rec['balance-a'], balanceB: rec['balance-b'], htlcs }, closerIsA);
    const owedAfter = owed(split, closerIsA);
    const cheater = rec.cheater !== Party.Nobody ? rec.cheater : owedAfter < owedBefore ? rec.closer : Party.Nobody;
    const plan = this.stateCall('challenge', c, sender, e, draft, rec.nonce + 1n, { label: kind });
    return plan.expect === 'any' ? { ...plan, cheater } : plan;
  }

  /** Sign `draft` for both participants (or apply an attack), and build the arguments in `fn`'s layout. */
  private stateCall(
    fn: Exclude<StateFunction, 'verify-payment'>,
    c: Choice,
    sender: string,
    e: Entropy,
    draft: ChannelState,
    minNonce: bigint,
    o: { token?: boolean; actor?: boolean; tail?: ClarityValue[]; label?: string; block?: string },
  ): Plan {
    const { ch } = c;
    const chain = draft.action !== Action.Transfer && fn !== 'initiate-dispute' && fn !== 'challenge';
    const attacks: Attack[] = ['foreign-contract', 'high-s', 'swapped-signatures', 'outsider-signature', 'sum-mismatch', 'wrong-action', 'signed-for-another-action', 'tampered-data'];
    if (minNonce > 0n) attacks.push('stale-nonce');
    if (chain) attacks.push('expired');
    if (o.token) attacks.push('wrong-token');
    if (o.actor) attacks.push('wrong-actor');
    // an attack by a participant, so that it is refused for its own reason
    const attack = !c.outsider && e.chance(ATTACK_SHARE) ? e.pick(attacks) : null;

    let st: ChannelState = draft;
    if (attack === 'stale-nonce') st = { ...st, nonce: minNonce - 1n - e.bigBelow(minNonce) };
    if (attack === 'sum-mismatch') st = { ...st, balanceA: st.balanceA + 1n };
    // sent as an action the function refuses: deposit by every function but fund-channel (u305, u401 or u300), withdraw by fund-channel
    if (attack === 'wrong-action') st = { ...st, action: st.action === Action.Deposit ? Action.Withdraw : Action.Deposit };
    // a deposit's actor must be the caller; a withdraw's actor must be a participant
    if (attack === 'wrong-actor') st = { ...st, actor: fn === 'fund-channel' ? (sender === ch.a ? ch.b : ch.a) : e.pick(this.outsiders(ch)) };
    if (attack === 'expired') {
      const burn = BigInt(this.simnet.burnBlockHeight);
      st = { ...st, validUntil: burn - 1n - e.bigBelow(burn) };
    }

    const contract = attack === 'foreign-contract' ? CHANNEL_2 : CHANNEL;
    // what is signed: the state as sent, but another action's tuple, or other data
    const signedState: ChannelState =
      attack === 'signed-for-another-action' ? { ...st, action: anotherAction(st.action) }
        : attack === 'tampered-data' ? { ...st, data: flipFirst(st.data) } : st;
    let s = sign(ch, signedState, { keyA: this.keyFor(ch, ch.a, e), keyB: this.keyFor(ch, ch.b, e), contract });
    if (attack === 'high-s') s = { ...s, sigA: highS(s.sigA) };
    if (attack === 'swapped-signatures') s = { ...s, sigA: s.sigB, sigB: s.sigA };
    if (attack === 'outsider-signature') {
      const outsider = e.pick(Object.keys(keys).filter((k) => k !== ch.a && k !== ch.b));
      s = { ...s, sigB: signHash(stateHash(st, domainHashOf(CHANNEL)), keys[outsider]!) };
    }
    const token = attack === 'wrong-token' ? e.pick(TOKENS.filter((t) => t !== ch.token)) : ch.token;

    const args = stateArgs(fn, st, s.sigA, s.sigB);
    if (o.token) args.push(tokenArg(token));
    args.push(...(o.tail ?? []));
    const refused = attack !== null || c.outsider;
    return {
      args, expect: refused ? 'refused' : 'any', label: attack ?? (c.outsider ? 'outsider-caller' : (o.label ?? 'honest')),
      block: refused ? undefined : o.block,
    };
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

  private outsiders(ch: Tracked): string[] {
    return this.accounts.filter((x) => x !== ch.a && x !== ch.b);
  }

  /** Own devnet key (mostly) or the session key, whichever the contract will accept. */
  private keyFor(ch: Tracked, who: string, e: Entropy): Uint8Array {
    const own = ownKey(who);
    if (own === undefined) return sessionKey(who);
    if (e.chance(0.75)) return own;
    return this.authorised(ch, who) ? sessionKey(who) : own;
  }

  /** Is `who`'s session key a signer for `ch` (from storage: a read-only call on bitstream costs as much as a public one)? */
  private authorised(ch: Tracked, who: string): boolean {
    const v = mapEntryOrNone('signers', Cl.tuple({ 'channel-id': Cl.buffer(ch.id), owner: Cl.principal(who), key: Cl.buffer(sessionPublicKey(who)) }), this.simnet);
    return v.type !== 'none';
  }

  /** get-channel's record, read from storage (channels, checkpoints, channel-htlcs) for speed. */
  private record(id: Uint8Array): Rec {
    const key = Cl.buffer(id);
    const ch = mapEntryOrNone('channels', key, this.simnet);
    const cp = mapEntryOrNone('checkpoints', key, this.simnet);
    if (ch.type === 'none' || cp.type === 'none') throw new Error(`tracked channel ${toHex(id)} has no record`);
    const list = mapEntryOrNone('channel-htlcs', key, this.simnet);
    return { ...(plain(ch) as object), ...(plain(cp) as object), htlcs: list.type === 'none' ? [] : (plain(list) as Rec['htlcs']) } as Rec;
  }

  private unpaid(ch: Tracked, owner: string): bigint {
    const v = mapEntryOrNone('unpaid', Cl.tuple({ 'channel-id': Cl.buffer(ch.id), owner: Cl.principal(owner) }), this.simnet);
    return v.type === 'none' ? 0n : (plain(v) as bigint);
  }

  /** Application data: mostly nothing bound, sometimes a request hash (signed, never interpreted). */
  private data(e: Entropy): Uint8Array {
    if (e.chance(0.7)) return NO_DATA;
    return Uint8Array.from({ length: 32 }, () => e.below(256));
  }

  /** A random split of `total` into two balances and up to two HTLCs on RV-SECRETS (expiry in tenures). */
  private split(total: bigint, e: Entropy): { balanceA: bigint; balanceB: bigint; htlcs: Htlc[] } {
    const htlcs: Htlc[] = [];
    let rest = total;
    const count = total >= 4n ? e.below(3) : 0;
    const tenure = plain(Cl.deserialize(this.simnet.runSnippet('tenure-height') as string)) as bigint;
    for (let i = 0; i < count; i++) {
      const amount = 1n + e.bigBelow(rest / 4n);
      rest -= amount;
      htlcs.push({
        hash: secretPair(1 + e.below(4)).hash,
        amount,
        expiry: tenure + 1n + e.bigBelow(40n),
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

/** Another of the four actions: what a state signed for another action claims to be. */
function anotherAction(action: number): ChannelState['action'] {
  return ((action + 1 + (action === Action.Close ? 1 : 0)) % 4) as ChannelState['action'];
}

function flipFirst(data: Uint8Array): Uint8Array {
  const out = Uint8Array.from(data);
  out[0] = out[0]! ^ 1;
  return out;
}

function htlcsOf(rec: Rec): Htlc[] {
  return rec.htlcs.map((h) => ({ hash: hex(h.hash.replace(/^0x/, '')), amount: h.amount, expiry: h.expiry, offeredByA: h['offered-by-a'] }));
}

function principalOf(cv: ClarityValue): string {
  if (cv.type !== 'address' && cv.type !== 'contract') throw new TypeError(`not a principal: ${cv.type}`);
  return cv.value;
}

/** The channel a call acted on, as hex ('' when the arguments name none). */
function channelIdOf(args: ClarityValue[]): string {
  const first = args[0];
  return first?.type === 'buffer' ? first.value.replace(/^0x/, '') : '';
}
