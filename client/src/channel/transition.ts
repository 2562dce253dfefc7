// The one place a state transition is computed (STYLE rule 1): given the newest fully
// signed state and a proposal's ops, the next state, or a typed refusal. The proposer
// uses it to build a proposal and the responder to rebuild it and compare, so both sides
// judge by the same rules: amounts in range, balances that cover them, the reserve,
// HTLC expiry margins (PROTOCOL §5) and the responder-never-pays rule (§4). Pure.
import { sha256 } from '@noble/hashes/sha2.js';
import { Action, MAX_HTLCS, MAX_UINT128, stateTotal, type ChannelState, type Htlc } from '../codec/state.js';
import type { Op } from '../wire/schemas.js';
import { ChannelCode, ProtocolError } from './errors.js';

export interface Rules {
  /** the channel's dispute window, in burn blocks */
  readonly window: bigint;
  /** burn blocks an HTLC's expiry must keep beyond the window (reveal-secret confirmation) */
  readonly safetyDelta: bigint;
  /** minimum balance a side keeps once it has reached it (0: none) */
  readonly reserve: bigint;
  /** this side's view of the current burn height */
  readonly burnHeight: bigint;
  readonly participants: { readonly a: string; readonly b: string };
  /** does this side know the preimage of `hash`? (it then refuses to refund that HTLC) */
  readonly knowsSecret: (hash: Uint8Array) => boolean;
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

/** Which side is "initiator" for `ops`: the proposer. Its balance may fall; the responder's may not. */
export function applyOps(prev: ChannelState, ops: readonly Op[], initiatorIsA: boolean, rules: Rules): ChannelState {
  if (ops.length === 0) throw new ProtocolError(ChannelCode.BadOps, 'a proposal needs at least one op');
  let ini = initiatorIsA ? prev.balanceA : prev.balanceB;
  let res = initiatorIsA ? prev.balanceB : prev.balanceA;
  const htlcs: Htlc[] = [...prev.htlcs];
  let action: Action = Action.Transfer;
  let actor: string | null = null;
  let amount = 0n;
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

  for (const op of ops) {
    switch (op.op) {
      case 'pay':
        checkAmount(op.amount);
        debit(op.amount);
        res += op.amount;
        break;
      case 'add': {
        checkAmount(op.amount);
        if (op.expiry > MAX_UINT128) throw new ProtocolError(ChannelCode.InvalidAmount, 'HTLC expiry out of range');
        if (htlcs.length >= MAX_HTLCS) throw new ProtocolError(ChannelCode.HtlcLimit, `at most ${MAX_HTLCS} HTLCs per state`);
        if (htlcs.some((h) => h.offeredByA === initiatorIsA && equalBytes(h.hash, op.hash))) {
          throw new ProtocolError(ChannelCode.HtlcDuplicate, 'an HTLC with this hash is already offered');
        }
        // the expiry must outlast a dispute plus the time to confirm a reveal (PROTOCOL §5)
        const minExpiry = rules.burnHeight + rules.window + rules.safetyDelta;
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
        if (rules.burnHeight > h.expiry) throw new ProtocolError(ChannelCode.HtlcExpired, 'HTLC expired: refund, not fulfil');
        ini += h.amount;
        htlcs.splice(i, 1);
        break;
      }
      case 'fail': {
        // the receiver gives the HTLC up: back to the responder, its offerer
        const i = find(op.hash, !initiatorIsA);
        res += htlcs[i]!.amount;
        htlcs.splice(i, 1);
        break;
      }
      case 'expire': {
        // the offerer takes back an HTLC whose expiry has passed unrevealed
        const i = find(op.hash, initiatorIsA);
        const h = htlcs[i]!;
        if (rules.burnHeight <= h.expiry) throw new ProtocolError(ChannelCode.HtlcNotExpired, 'HTLC has not expired yet');
        if (rules.knowsSecret(h.hash)) throw new ProtocolError(ChannelCode.HtlcSecretKnown, 'the secret is known: fulfil, not refund');
        ini += h.amount;
        htlcs.splice(i, 1);
        break;
      }
      case 'deposit':
        single();
        checkAmount(op.amount);
        if (op.amount > MAX_UINT128 - stateTotal(prev)) throw new ProtocolError(ChannelCode.InvalidAmount, 'deposit overflows the escrow');
        ini += op.amount;
        action = Action.Deposit;
        actor = initiator;
        amount = op.amount;
        break;
      case 'withdraw':
        single();
        checkAmount(op.amount);
        debit(op.amount);
        action = Action.Withdraw;
        actor = initiator;
        amount = op.amount;
        break;
      case 'close':
        single();
        action = Action.Close;
        break;
    }
  }
  const next: ChannelState = {
    channelId: prev.channelId,
    nonce: prev.nonce + 1n,
    balanceA: initiatorIsA ? ini : res,
    balanceB: initiatorIsA ? res : ini,
    htlcs,
    action,
    actor,
    amount,
  };
  // PROTOCOL §4: the first signer's balance never decreases (so no transition lowers both)
  const resBefore = initiatorIsA ? prev.balanceB : prev.balanceA;
  if (res < resBefore) throw new ProtocolError(ChannelCode.BalanceDecrease, "the responder's balance would decrease");
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
  if (!sameHtlcs || expected.action !== proposed.action || expected.actor !== proposed.actor || expected.amount !== proposed.amount) {
    throw new ProtocolError(ChannelCode.StateMismatch, 'HTLCs, action, actor or amount differ from the ops');
  }
}
