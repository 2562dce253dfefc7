// From a Clarity value (a contract result, a print event, a wallet or peer message)
// back to a ChannelState: checks the exact tuple shape and every range, so what comes
// out is a state validateState accepts and that encodes back to the same bytes.
import { deserializeCV, type ClarityValue } from '@stacks/transactions';
import { encodeStateConsensus } from './consensus.js';
import { StateCodecError } from './errors.js';
import { type Action, type ChannelState, type Htlc } from './state.js';
import { validateState } from './validate.js';

const STATE_KEYS = ['action', 'actor', 'amount', 'balance-a', 'balance-b', 'channel-id', 'data', 'htlcs', 'nonce', 'valid-until'];
const HTLC_KEYS = ['amount', 'expiry', 'hash', 'offered-by-a'];

function shape(field: string, expected: string, cv: ClarityValue | undefined): StateCodecError {
  return new StateCodecError('STATE_SHAPE', `${field}: expected ${expected}, got ${cv?.type ?? 'nothing'}`, {
    details: { field, expected, got: cv?.type },
  });
}

function tupleOf(cv: ClarityValue, keys: readonly string[], field: string): Record<string, ClarityValue> {
  if (cv.type !== 'tuple') throw shape(field, 'tuple', cv);
  const got = Object.keys(cv.value).sort();
  if (got.length !== keys.length || got.some((k, i) => k !== keys[i]))
    throw new StateCodecError('STATE_SHAPE', `${field}: expected keys ${keys.join(', ')}`, {
      details: { field, keys: got },
    });
  return cv.value;
}

function uintOf(cv: ClarityValue | undefined, field: string): bigint {
  if (cv?.type !== 'uint') throw shape(field, 'uint', cv);
  return BigInt(cv.value);
}

function bufferOf(cv: ClarityValue | undefined, field: string): Uint8Array {
  if (cv?.type !== 'buffer') throw shape(field, 'buffer', cv);
  const hex = cv.value;
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw shape(field, 'hex buffer', cv);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function htlcOf(cv: ClarityValue, i: number): Htlc {
  const t = tupleOf(cv, HTLC_KEYS, `htlcs[${i}]`);
  const offered = t['offered-by-a'];
  if (offered?.type !== 'true' && offered?.type !== 'false') throw shape(`htlcs[${i}].offered-by-a`, 'bool', offered);
  return {
    hash: bufferOf(t.hash, `htlcs[${i}].hash`),
    amount: uintOf(t.amount, `htlcs[${i}].amount`),
    expiry: uintOf(t.expiry, `htlcs[${i}].expiry`),
    offeredByA: offered.type === 'true',
  };
}

/** The ChannelState a Clarity state tuple holds; StateCodecError if it is not one. */
export function stateFromClarity(cv: ClarityValue): ChannelState {
  const t = tupleOf(cv, STATE_KEYS, 'state');
  const htlcs = t.htlcs!;
  if (htlcs.type !== 'list') throw shape('htlcs', 'list', htlcs);
  const actor = t.actor!;
  let actorValue: string | null;
  if (actor.type === 'none') actorValue = null;
  else if (actor.type === 'some' && (actor.value.type === 'address' || actor.value.type === 'contract'))
    actorValue = actor.value.value;
  else throw shape('actor', '(optional principal)', actor);
  const action = uintOf(t.action, 'action');
  // the result is typed Action: an unknown action is not a state this client handles
  if (action > 3n)
    throw new StateCodecError('STATE_BAD_ACTION', 'action must be 0 transfer, 1 close, 2 deposit or 3 withdraw', {
      details: { field: 'action', value: action.toString() },
    });
  const state: ChannelState = {
    channelId: bufferOf(t['channel-id'], 'channel-id'),
    nonce: uintOf(t.nonce, 'nonce'),
    balanceA: uintOf(t['balance-a'], 'balance-a'),
    balanceB: uintOf(t['balance-b'], 'balance-b'),
    htlcs: htlcs.value.map(htlcOf),
    action: Number(action) as Action,
    actor: actorValue,
    amount: uintOf(t.amount, 'amount'),
    validUntil: uintOf(t['valid-until'], 'valid-until'),
    data: bufferOf(t.data, 'data'),
  };
  validateState(state);
  return state;
}

/** The ChannelState whose consensus bytes these are. */
export function decodeState(bytes: Uint8Array): ChannelState {
  let cv: ClarityValue;
  try {
    cv = deserializeCV(bytes);
  } catch (e) {
    throw new StateCodecError('STATE_SHAPE', 'not a Clarity value', { cause: e });
  }
  const state = stateFromClarity(cv);
  // one state, one encoding: trailing bytes or a non-canonical spelling are refused
  const again = encodeStateConsensus(state);
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i]))
    throw new StateCodecError('STATE_SHAPE', 'bytes are not the canonical encoding of a state');
  return state;
}
