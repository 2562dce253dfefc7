// The one place a state transition is computed (STYLE rule 1): given the state a
// proposal builds on, the nonce it takes and its ops, the next state, or a typed
// refusal. The proposer uses it to build a proposal and the responder to rebuild it and
// compare, so both sides judge by the same rules: amounts in range, balances that cover
// them, the reserve, HTLC expiries in tenures (PROTOCOL §5), how long a chain state
// stays landable (§4.3) and the rule that the responder, who signs first, is owed no
// less afterwards (§4.1). Pure.
import { sha256 } from '@noble/hashes/sha2.js';
import { Action, MAX_HTLCS, MAX_UINT128, NO_DATA, stateTotal, type ChannelState, type Htlc } from '../codec/state.js';
import type { Op } from '../wire/schemas.js';
import { ChannelCode, ProtocolError } from './errors.js';

export interface Rules {
  /** the channel's dispute window, in burn blocks (and tenures) */
  readonly window: bigint;
  /** tenures an HTLC's expiry must keep beyond the window (reveal-secret confirmation) */
  readonly safetyDelta: bigint;
  /** minimum balance a side keeps once it has reached it (0: none) */
  readonly reserve: bigint;
  /** this side's view of the current burn height */
  readonly burnHeight: bigint;
  /** this side's view of the current tenure height; null while unknown (no HTLC can be judged) */
  readonly tenureHeight: bigint | null;
  /** a chain state's valid-until must be this many burn blocks ahead at least, and at most */
  readonly landing: { readonly min: bigint; readonly max: bigint };
  readonly participants: { readonly a: string; readonly b: string };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Amounts the protocol can carry: a Clarity uint above zero. */
export function checkAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount <= 0n || amount > MAX_UINT128) {
    throw new ProtocolError(ChannelCode.InvalidAmount, 'amount must be an integer in 1 .. 2^128-1', {
      details: { amount: String(amount) },
    });
  }
}

/** What `state` owes participant a (`forA`) or b: its balance plus the HTLCs the other side offered (PROTOCOL §1). */
export function owed(state: Pick<ChannelState, 'balanceA' | 'balanceB' | 'htlcs'>, forA: boolean): bigint {
  let sum = forA ? state.balanceA : state.balanceB;
  for (const h of state.htlcs) if (h.offeredByA !== forA) sum += h.amount;
  return sum;
}

function tenure(rules: Rules): bigint {
  if (rules.tenureHeight === null) {
    throw new ProtocolError(ChannelCode.NotReady, 'the tenure height is not known yet: HTLC expiries count tenures');
  }
  return rules.tenureHeight;
}

/**
 * The state `ops` make of `base` at `nonce`, proposed by a (`initiatorIsA`) or b. The
 * proposer's owed amount may fall; the responder's may not.
 */
export function applyOps(base: ChannelState, nonce: bigint, ops: readonly Op[], initiatorIsA: boolean, rules: Rules): ChannelState {
  if (ops.length === 0) throw new ProtocolError(ChannelCode.BadOps, 'a proposal needs at least one op');
  let ini = initiatorIsA ? base.balanceA : base.balanceB;
  let res = initiatorIsA ? base.balanceB : base.balanceA;
  const htlcs: Htlc[] = [...base.htlcs];
  let action: Action = Action.Transfer;
  let actor: string | null = null;
  let amount = 0n;
  let validUntil = 0n;
  let data = NO_DATA;
  const initiator = initiatorIsA ? rules.participants.a : rules.participants.b;

  const debit = (x: bigint) => {
    if (ini < x) {
      throw new ProtocolError(ChannelCode.InsufficientBalance, 'balance does not cover the amount', {
        details: { balance: ini, amount: x },
      });
    }
    // the reserve: once a side holds it, no transition takes it below (so a penalty has something to take)
    if (rules.reserve > 0n && ini >= rules.reserve && ini - x < rules.reserve) {
      throw new ProtocolError(ChannelCode.Reserve, 'the payment would break the channel reserve', {
        details: { balance: ini, amount: x, reserve: rules.reserve },
      });
    }
    ini -= x;
  };
  const find = (hash: Uint8Array, offeredByA: boolean) => {
    const i = htlcs.findIndex((h) => h.offeredByA === offeredByA && equalBytes(h.hash, hash));
    if (i < 0) throw new ProtocolError(ChannelCode.HtlcUnknown, 'no such HTLC in the channel');
    return i;
  };
  const single = () => {
    if (ops.length !== 1) {
      throw new ProtocolError(ChannelCode.BadOps, 'deposit, withdraw and close states carry exactly one op');
    }
  };
  // how long a chain state may wait to land: long enough to get mined, short enough to lapse (PROTOCOL §4.3)
  const landBy = (until: bigint) => {
    const ahead = until - rules.burnHeight;
    if (ahead < rules.landing.min || ahead > rules.landing.max) {
      throw new ProtocolError(ChannelCode.BadValidUntil, 'valid-until is outside the landing window', {
        details: { validUntil: until, burnHeight: rules.burnHeight, min: rules.landing.min, max: rules.landing.max },
      });
    }
    validUntil = until;
  };

  for (const op of ops) {
    switch (op.op) {
      case 'pay':
        checkAmount(op.amount);
        debit(op.amount);
        res += op.amount;
        if (op.data !== undefined) {
          // a state binds one piece of application data
          if (!equalBytes(data, NO_DATA)) throw new ProtocolError(ChannelCode.BadOps, 'at most one payment per state carries data');
          data = op.data;
        }
        break;
      case 'add': {
        checkAmount(op.amount);
        if (op.expiry > MAX_UINT128) throw new ProtocolError(ChannelCode.InvalidAmount, 'HTLC expiry out of range');
        if (htlcs.length >= MAX_HTLCS) throw new ProtocolError(ChannelCode.HtlcLimit, `at most ${MAX_HTLCS} HTLCs per state`);
        if (htlcs.some((h) => h.offeredByA === initiatorIsA && equalBytes(h.hash, op.hash))) {
          throw new ProtocolError(ChannelCode.HtlcDuplicate, 'an HTLC with this hash is already offered');
        }
        // the expiry (a tenure height) must outlast a dispute plus the time to confirm a reveal
        const minExpiry = tenure(rules) + rules.window + rules.safetyDelta;
        if (op.expiry < minExpiry) {
          throw new ProtocolError(ChannelCode.HtlcExpiryTooClose, 'HTLC expiry leaves less than window + safety delta', {
            details: { expiry: op.expiry, minExpiry },
          });
        }
        debit(op.amount);
        htlcs.push({ hash: op.hash, amount: op.amount, expiry: op.expiry, offeredByA: initiatorIsA });
        break;
      }
      case 'fulfil': {
        // the initiator is the receiver: the HTLC was offered by the responder
        const i = find(op.hash, !initiatorIsA);
        const h = htlcs[i]!;
        if (!equalBytes(sha256(op.secret), h.hash)) throw new ProtocolError(ChannelCode.HtlcBadSecret, 'secret does not match the hash');
        // past the expiry the contract would refund it: the offerer no longer owes it
        if (tenure(rules) > h.expiry) throw new ProtocolError(ChannelCode.HtlcExpired, 'HTLC expired: refund, not fulfil');
        ini += h.amount;
        htlcs.splice(i, 1);
        break;
      }
      case 'fail': {
        // the receiver gives the HTLC up (or removes it after its expiry): back to its offerer
        const i = find(op.hash, !initiatorIsA);
        res += htlcs[i]!.amount;
        htlcs.splice(i, 1);
        break;
      }
      case 'deposit':
        single();
        checkAmount(op.amount);
        if (op.amount > MAX_UINT128 - stateTotal(base)) throw new ProtocolError(ChannelCode.InvalidAmount, 'deposit overflows the escrow');
        landBy(op.validUntil);
        ini += op.amount;
        action = Action.Deposit;
        actor = initiator;
        amount = op.amount;
        break;
      case 'withdraw':
        single();
        checkAmount(op.amount);
        landBy(op.validUntil);
        debit(op.amount);
        action = Action.Withdraw;
        actor = initiator;
        amount = op.amount;
        break;
      case 'close':
        single();
        landBy(op.validUntil);
        action = Action.Close;
        break;
    }
  }
  const next: ChannelState = {
    channelId: base.channelId,
    nonce,
    balanceA: initiatorIsA ? ini : res,
    balanceB: initiatorIsA ? res : ini,
    htlcs,
    action,
    actor,
    amount,
    validUntil,
    data,
  };
  // PROTOCOL §4.1: the first signer is owed no less (so no transition lowers both)
  if (owed(next, !initiatorIsA) < owed(base, !initiatorIsA)) {
    throw new ProtocolError(ChannelCode.OwedDecrease, 'the responder would be owed less');
  }
  return next;
}

/** Throw the most specific refusal if `proposed` is not exactly `expected`. */
export function checkProposed(expected: ChannelState, proposed: ChannelState): void {
  if (!equalBytes(expected.channelId, proposed.channelId)) throw new ProtocolError(ChannelCode.UnknownChannel, 'state of another channel');
  if (expected.nonce !== proposed.nonce) {
    throw new ProtocolError(ChannelCode.WrongNonce, 'nonce is not the next one', {
      details: { expected: expected.nonce, got: proposed.nonce },
    });
  }
  if (stateTotal(expected) !== stateTotal(proposed)) {
    throw new ProtocolError(ChannelCode.SumMismatch, 'balances and HTLCs do not add up to the escrow', {
      details: { expected: stateTotal(expected), got: stateTotal(proposed) },
    });
  }
  if (expected.balanceA !== proposed.balanceA || expected.balanceB !== proposed.balanceB) {
    throw new ProtocolError(ChannelCode.BalanceMismatch, 'balances moved the wrong way or by the wrong amount', {
      details: { expectedA: expected.balanceA, gotA: proposed.balanceA, expectedB: expected.balanceB, gotB: proposed.balanceB },
    });
  }
  const sameHtlcs =
    expected.htlcs.length === proposed.htlcs.length &&
    expected.htlcs.every((h, i) => {
      const p = proposed.htlcs[i]!;
      return equalBytes(h.hash, p.hash) && h.amount === p.amount && h.expiry === p.expiry && h.offeredByA === p.offeredByA;
    });
  if (
    !sameHtlcs || expected.action !== proposed.action || expected.actor !== proposed.actor || expected.amount !== proposed.amount ||
    expected.validUntil !== proposed.validUntil || !equalBytes(expected.data, proposed.data)
  ) {
    throw new ProtocolError(ChannelCode.StateMismatch, 'HTLCs, action, actor, amount, valid-until or data differ from the ops');
  }
}
