// Wire messages (client/src/wire): every message type survives encode → parse exactly
// (property-based), and everything outside the schema is refused at the boundary with a
// typed WireError: not JSON, other versions, unknown types or fields, numbers that are
// not canonical uints or exceed 2^128-1, bad hex, too many HTLCs, oversized input. Also
// the in-memory transport's order and its seeded faults.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Action, MAX_UINT128 } from '../../client/src/codec/state.js';
import { WireCode, WireError } from '../../client/src/wire/errors.js';
import { stateToJson } from '../../client/src/wire/json.js';
import { memoryPair } from '../../client/src/wire/memory-transport.js';
import { encodeMessage, MAX_MESSAGE_BYTES, messageToJson, parseMessage, type Message } from '../../client/src/wire/messages.js';
import { PRINCIPAL_A } from './fixtures/peers.js';
import { messageArb } from './fixtures/wire-arbitraries.js';

function refused(input: unknown, code: string = WireCode.Malformed) {
  let err: unknown = null;
  try {
    parseMessage(input);
  } catch (e) {
    err = e;
  }
  expect(err, JSON.stringify(input)?.slice(0, 200)).toBeInstanceOf(WireError);
  expect((err as WireError).code).toBe(code);
}

const ack = { v: 2, type: 'ack', channelId: '00'.repeat(32), nonce: '5', hash: '11'.repeat(32) };
const goodState = stateToJson({
  channelId: new Uint8Array(32), nonce: 1n, balanceA: 5n, balanceB: 0n, htlcs: [], action: Action.Transfer, actor: null, amount: 0n,
  validUntil: 0n, data: new Uint8Array(32),
});

describe('wire messages', () => {
  it('every message survives encode → parse unchanged (text and JSON value)', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(parseMessage(encodeMessage(m))).toEqual(m);
        expect(parseMessage(JSON.parse(JSON.stringify(messageToJson(m))))).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what is not a message', () => {
    refused('{not json');
    refused('null');
    refused(42);
    refused([]);
    refused({ ...ack, type: 'ping' });
    refused({ ...ack, extra: 1 });
    refused({ ...ack, nonce: 5 }); // a JSON number, not a decimal string
    refused({ ...ack, channelId: undefined });
    refused({ ...ack, v: 1 }, WireCode.UnsupportedVersion); // protocol v1's wire
    refused({ ...ack, v: 3 }, WireCode.UnsupportedVersion);
    refused({ ...ack, v: '2' }, WireCode.UnsupportedVersion);
    refused('x'.repeat(MAX_MESSAGE_BYTES + 1), WireCode.TooLarge);
  });

  it('refuses uints that are negative, fractional, padded, hex or above 2^128-1', () => {
    for (const nonce of ['-1', '1.5', '01', '0x10', '1e3', ' 1', '', (MAX_UINT128 + 1n).toString(), '9'.repeat(60)]) {
      refused({ ...ack, nonce });
    }
    expect(parseMessage({ ...ack, nonce: MAX_UINT128.toString() })).toMatchObject({ nonce: MAX_UINT128 });
  });

  it('refuses bytes that are upper-case, short, long or not hex, and bad principals', () => {
    for (const hash of ['AA'.repeat(32), '11'.repeat(31), '11'.repeat(33), 'zz'.repeat(32)]) refused({ ...ack, hash });
    const proposal = { v: 2, type: 'proposal', state: goodState, ops: [{ op: 'pay', amount: '5' }], tag: '22'.repeat(32) };
    expect(parseMessage(proposal).type).toBe('proposal');
    refused({ ...proposal, state: { ...goodState, actor: 'not-a-principal' } });
    refused({ ...proposal, state: { ...goodState, action: 4 } });
    refused({ ...proposal, ops: [] });
    refused({ ...proposal, ops: [{ op: 'steal', amount: '5' }] });
    refused({ ...proposal, ops: [{ op: 'pay', amount: '5', to: PRINCIPAL_A }] });
    refused({ ...proposal, ops: Array.from({ length: 33 }, () => ({ op: 'pay', amount: '1' })) });
    const h = { hash: '33'.repeat(32), amount: '1', expiry: '1', offeredByA: true };
    refused({ ...proposal, state: { ...goodState, htlcs: Array.from({ length: 9 }, () => h) } });
    refused({ ...proposal, state: { ...goodState, htlcs: [{ ...h, offeredByA: 'yes' }] } });
    // v2 fields: data is 32 bytes of hex, valid-until a uint; both required; chain ops name their valid-until
    refused({ ...proposal, state: { ...goodState, data: '00'.repeat(31) } });
    refused({ ...proposal, state: { ...goodState, validUntil: -1 } });
    const { data: _data, ...noData } = goodState;
    refused({ ...proposal, state: noData });
    refused({ ...proposal, ops: [{ op: 'close' }] });
    refused({ ...proposal, ops: [{ op: 'withdraw', amount: '5' }] });
    refused({ ...proposal, ops: [{ op: 'expire', hash: '33'.repeat(32) }] }); // v2: the receiver proposes removals
    refused({ ...proposal, ops: [{ op: 'pay', amount: '5', data: 'ab' }] });
    expect(parseMessage({ ...proposal, ops: [{ op: 'pay', amount: '5', data: 'ab'.repeat(32) }] }).type).toBe('proposal');
  });

  it('any random JSON is either a valid message or a WireError, never another exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.jsonValue().map((j) => ({ v: 2, type: 'proposal', state: j, ops: j, tag: j }))), (input) => {
        try {
          parseMessage(input);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('in-memory transport', () => {
  const msg = (n: number): Message => ({ v: 2, type: 'ack', channelId: new Uint8Array(32), nonce: BigInt(n), hash: new Uint8Array(32) });
  const collect = async (faults: Parameters<typeof memoryPair>[0]) => {
    const [a, b] = memoryPair(faults);
    const got: bigint[] = [];
    b.onMessage((raw) => got.push((parseMessage(raw) as { nonce: bigint }).nonce));
    for (let i = 0; i < 200; i++) a.send(msg(i));
    await new Promise((r) => setTimeout(r, 10));
    a.close();
    b.close();
    return got;
  };

  it('delivers in order, asynchronously, when no faults are set', async () => {
    expect(await collect({})).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i)));
  });

  it('drops, duplicates and reorders on a seeded, repeatable schedule', async () => {
    const faults = { drop: 0.2, duplicate: 0.2, reorder: 0.2, seed: 9 };
    const got = await collect(faults);
    expect(new Set(got).size).toBeLessThan(200); // some dropped
    expect(got.length).toBeGreaterThan(new Set(got).size); // some duplicated
    expect(got.some((n, i) => i > 0 && n < got[i - 1]!)).toBe(true); // some reordered
    expect(await collect(faults)).toEqual(got); // the same seed, the same schedule
  });
});
