// Range checks for a ChannelState before it is encoded, signed or accepted from a
// peer: uints in uint128, 32-byte buffers, at most MAX_HTLCS HTLCs, a valid principal,
// an integer action. Throws StateCodecError naming the field. Checks types, not protocol
// rules (sums, nonces, signatures belong to the channel logic and the contract).
import { StateCodecError } from './errors.js';
import { isValidPrincipal } from './principal.js';
import { MAX_HTLCS, MAX_UINT128, type ChannelState } from './state.js';

function uint128(value: unknown, field: string): void {
  if (typeof value !== 'bigint' || value < 0n || value > MAX_UINT128)
    throw new StateCodecError('STATE_UINT_RANGE', `${field} must be a bigint in 0..2^128-1`, {
      details: { field, value: typeof value === 'bigint' ? value.toString() : typeof value },
    });
}

function buffer32(value: unknown, field: string): void {
  if (!(value instanceof Uint8Array) || value.length !== 32)
    throw new StateCodecError('STATE_BUFFER_LENGTH', `${field} must be 32 bytes`, {
      details: { field, length: value instanceof Uint8Array ? value.length : typeof value },
    });
}

/** Throws StateCodecError if `state` does not fit the contract's state tuple type. */
export function validateState(state: ChannelState): void {
  buffer32(state.channelId, 'channelId');
  uint128(state.nonce, 'nonce');
  uint128(state.balanceA, 'balanceA');
  uint128(state.balanceB, 'balanceB');
  uint128(state.amount, 'amount');
  uint128(state.validUntil, 'validUntil');
  buffer32(state.data, 'data');
  // The action is a Clarity uint: any value encodes, and the contract itself refuses
  // unknown ones (ERR-WRONG-ACTION), which its tests prove by signing them. Only
  // stateFromClarity, whose result is typed Action, insists on a known one.
  if (typeof state.action !== 'number' || !Number.isSafeInteger(state.action) || state.action < 0)
    throw new StateCodecError('STATE_BAD_ACTION', 'action must be a non-negative integer', {
      details: { field: 'action', value: String(state.action) },
    });
  if (state.actor !== null && !isValidPrincipal(state.actor))
    throw new StateCodecError('STATE_BAD_PRINCIPAL', 'actor must be a valid Stacks principal or null', {
      details: { field: 'actor', value: String(state.actor) },
    });
  if (!Array.isArray(state.htlcs))
    throw new StateCodecError('STATE_BAD_FIELD', 'htlcs must be an array', { details: { field: 'htlcs' } });
  if (state.htlcs.length > MAX_HTLCS)
    throw new StateCodecError('STATE_TOO_MANY_HTLCS', `at most ${MAX_HTLCS} HTLCs per state (the contract's list bound)`, {
      details: { field: 'htlcs', count: state.htlcs.length },
    });
  state.htlcs.forEach((h, i) => {
    buffer32(h.hash, `htlcs[${i}].hash`);
    uint128(h.amount, `htlcs[${i}].amount`);
    uint128(h.expiry, `htlcs[${i}].expiry`);
    if (typeof h.offeredByA !== 'boolean')
      throw new StateCodecError('STATE_BAD_FIELD', `htlcs[${i}].offeredByA must be a boolean`, {
        details: { field: `htlcs[${i}].offeredByA` },
      });
  });
}
