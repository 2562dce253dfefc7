// The compare-and-swap rules every StateStore applies before a write, in one place:
// states advance one nonce at a time, a nonce is never signed for two different states,
// nothing goes backwards, and the closable state and base follow the newest state
// (PROTOCOL §8). Pure functions over records; no I/O.
import { Action } from '../codec/state.js';
import { StoreCode, StoreError, type ChannelRecord, type PendingState, type SignedState } from './types.js';

/** A channel's record at its implicit on-chain state (nonce 0, no signatures). */
export function initialRecord(channelId: Uint8Array, implicit: SignedState, tagKey: Uint8Array): ChannelRecord {
  return { channelId, latest: implicit, base: null, closable: implicit, pending: null, tagKey, abandoned: [] };
}

/** Can a close or a challenge use this state (PROTOCOL §6: transfer and close states)? */
export function isClosable(s: SignedState): boolean {
  return s.state.action === Action.Transfer || s.state.action === Action.Close;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The most nonces a new state may move past the newest one: the next, or the one after
 * it when the state passes over an offer the payer never took (PROTOCOL §4.5).
 */
export const MAX_NONCE_STEP = 2n;

/** The record after a pending signature, or null when it is already there (idempotent). */
export function withPending(rec: ChannelRecord, p: PendingState): ChannelRecord | null {
  const latest = rec.latest.state.nonce;
  const n = p.state.nonce;
  if (n <= latest) {
    if (n === latest && sameBytes(p.hash, rec.latest.hash)) return null;
    throw new StoreError(StoreCode.NonceRegression, 'a signature for a nonce at or below the newest state', {
      details: { nonce: n, latest },
    });
  }
  if (n > latest + MAX_NONCE_STEP) {
    throw new StoreError(StoreCode.NonceGap, 'a signature that skips more than one nonce', { details: { nonce: n, latest } });
  }
  if (rec.pending !== null) {
    if (sameBytes(rec.pending.hash, p.hash)) return null;
    const at = rec.pending.state.nonce;
    if (at === n) throw new StoreError(StoreCode.Conflict, 'already signed a different state at this nonce', { details: { nonce: n } });
    if (at > n) throw new StoreError(StoreCode.NonceRegression, 'a signature below the pending one', { details: { nonce: n, pending: at } });
    // a higher nonce supersedes the pending state: its proposer passed over it, unsigned
  }
  return { ...rec, pending: p };
}

/**
 * The record after a fully signed state, or null when it is already there (idempotent).
 * `lapsed`: the state was built on latest's base, because latest lapsed (PROTOCOL §4.3).
 */
export function withSigned(rec: ChannelRecord, s: SignedState, lapsed = false): ChannelRecord | null {
  const latest = rec.latest.state.nonce;
  const n = s.state.nonce;
  if (s.sigA === null || s.sigB === null) {
    throw new StoreError(StoreCode.Conflict, 'a state needs both signatures to be saved as signed', { details: { nonce: n } });
  }
  if (n <= latest) {
    if (n === latest && sameBytes(s.hash, rec.latest.hash)) return null;
    throw new StoreError(StoreCode.NonceRegression, 'a state at or below the newest nonce', { details: { nonce: n, latest } });
  }
  if (n > latest + MAX_NONCE_STEP) {
    throw new StoreError(StoreCode.NonceGap, 'a state that skips more than one nonce', { details: { nonce: n, latest } });
  }
  // a pending state below `n` was passed over (never signed by its proposer); one at or above it stands
  if (rec.pending !== null && rec.pending.state.nonce >= n && !sameBytes(rec.pending.hash, s.hash)) {
    throw new StoreError(StoreCode.Conflict, 'already signed a different state at this nonce or above', { details: { nonce: n, pending: rec.pending.state.nonce } });
  }
  return { ...rec, latest: s, ...following(rec, s, lapsed), pending: null, abandoned: [] };
}

/**
 * The base and closable state once `s` is signed on top of `prev.latest` (`lapsed`: built
 * on prev's base instead). The channel keeps its in-memory copies by this rule too.
 */
export function following(
  prev: Pick<ChannelRecord, 'latest' | 'base' | 'closable'>,
  s: SignedState,
  lapsed: boolean,
): { base: SignedState | null; closable: SignedState } {
  return {
    // only a chain state's base is ever built on (once it lapses): keep no other
    base: s.state.action === Action.Transfer ? null : lapsed ? prev.base : prev.latest,
    closable: isClosable(s) ? s : prev.closable,
  };
}

/** The record after marking our proposal `hash` at latest+1 as never to be signed. */
export function withAbandoned(rec: ChannelRecord, hash: Uint8Array): ChannelRecord | null {
  if (rec.abandoned.some((h) => sameBytes(h, hash))) return null;
  return { ...rec, abandoned: [...rec.abandoned, hash] };
}

export { sameBytes };
