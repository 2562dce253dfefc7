// The state codec against the contract: the TypeScript consensus bytes and SIP-018
// hash equal the contract's for random states (0..8 HTLCs, uint128 extremes, every
// action, standard and contract actors), the contract's verify-payment accepts states
// signed in TypeScript and refuses other keys, fixed byte vectors catch any drift, and
// decoding and range validation refuse what the tuple type cannot hold.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addressToString, Cl, serializeCVBytes, type ClarityValue } from '@stacks/transactions';
import {
  Action,
  decodeState,
  domainHash,
  encodeState,
  MAX_HTLCS,
  MAX_UINT128,
  stateFromClarity,
  stateHash,
  stateToClarity,
  validateState,
  type ChannelState,
  type Htlc,
} from '../../client/src/codec/index.js';
import { BACKEND_NAMES, type CryptoBackend } from '../../client/src/crypto/backend.js';
import { loadBackend } from '../../client/src/crypto/select.js';
import { SHA256_IMPLEMENTATION, sha256 } from '../../client/src/crypto/sha256.js';
import { principalSource } from '../../client/src/localchain/principal-source.js';
import { stateArgs } from '../../client/src/chain/signed.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { alice, bob, CHANNEL, deployer, ERR, keys, mallory, mint, open, SIMNET_CHAIN_ID, TEST_TOKEN } from '../contracts/helpers.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const DOMAIN = { contract: CHANNEL, chainId: SIMNET_CHAIN_ID };
const DOMAIN_HASH = domainHash(DOMAIN);

// ---- arbitraries --------------------------------------------------------------------

const u128 = fc.oneof(
  fc.constantFrom(0n, 1n, MAX_UINT128, MAX_UINT128 - 1n, 1n << 64n, (1n << 64n) - 1n),
  fc.bigInt({ min: 0n, max: MAX_UINT128 }),
  fc.bigInt({ min: 0n, max: 1n << 40n }),
);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const standardPrincipal = fc
  .record({ version: fc.constantFrom(22, 20, 26, 21), hash: fc.uint8Array({ minLength: 20, maxLength: 20 }) })
  .map(({ version, hash }) => addressToString({ version, hash160: hex(hash) } as Parameters<typeof addressToString>[0]));
const contractName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,39}$/);
const principal = fc.oneof(
  fc.constantFrom(alice, bob, deployer, CHANNEL, `${deployer}.test-token`),
  standardPrincipal,
  fc.tuple(standardPrincipal, contractName).map(([a, n]) => `${a}.${n}`),
);
const action = fc.constantFrom(Action.Transfer, Action.Close, Action.Deposit, Action.Withdraw);
const htlc = (amount: fc.Arbitrary<bigint>): fc.Arbitrary<Htlc> =>
  fc.record({ hash: bytes32, amount, expiry: u128, offeredByA: fc.boolean() });

/** Any state the tuple type can hold. */
const anyState: fc.Arbitrary<ChannelState> = fc.record({
  channelId: bytes32,
  nonce: u128,
  balanceA: u128,
  balanceB: u128,
  htlcs: fc.array(htlc(u128), { maxLength: MAX_HTLCS }),
  action,
  actor: fc.option(principal, { nil: null }),
  amount: u128,
  validUntil: u128,
  data: bytes32,
});

/** fc.record builds null-prototype objects; the decoder builds plain ones. */
function plainState(s: ChannelState): ChannelState {
  return { ...s, htlcs: s.htlcs.map((h) => ({ ...h })) };
}

// ---- the contract's view ------------------------------------------------------------

/** A state as a Clarity literal, typed so that to-consensus-buff? can serialise it. */
function literal(s: ChannelState): string {
  const h = (x: Htlc) =>
    `{hash: 0x${hex(x.hash)}, amount: u${x.amount}, expiry: u${x.expiry}, offered-by-a: ${x.offeredByA}}`;
  // an empty `(list)` or a bare `none` has no type; slice a typed list / branch an `if`
  const htlcs =
    s.htlcs.length === 0
      ? `(unwrap-panic (slice? (list ${h({ hash: new Uint8Array(32), amount: 0n, expiry: 0n, offeredByA: false })}) u0 u0))`
      : `(list ${s.htlcs.map(h).join(' ')})`;
  const actor = s.actor === null ? '(if true none (some tx-sender))' : `(some ${principalSource(s.actor)})`;
  return `{channel-id: 0x${hex(s.channelId)}, nonce: u${s.nonce}, balance-a: u${s.balanceA}, balance-b: u${s.balanceB}, htlcs: ${htlcs}, action: u${s.action}, actor: ${actor}, amount: u${s.amount}, valid-until: u${s.validUntil}, data: 0x${hex(s.data)}}`;
}

function contractConsensus(s: ChannelState): string {
  const r = simnet.execute(`(to-consensus-buff? ${literal(s)})`).result;
  expect(r.type).toBe('some');
  return ((r as { value: { value: string } }).value.value as string).toLowerCase();
}

function contractStateHash(s: ChannelState): string {
  const r = simnet.callReadOnlyFn(CHANNEL, 'get-state-hash', [stateToClarity(s)], alice).result;
  expect(r.type).toBe('buffer');
  return (r as { value: string }).value.toLowerCase();
}

function verifyPayment(s: ChannelState, sigA: Uint8Array, sigB: Uint8Array): ClarityValue {
  return simnet.callReadOnlyFn(CHANNEL, 'verify-payment', stateArgs('verify-payment', s, sigA, sigB), alice).result;
}

// ---- fixed vectors (PROTOCOL §3 tuple, version 2; any change to the encoding breaks these)

const VECTORS: { name: string; state: ChannelState; consensus: string; hash: string }[] = [
  {
    name: 'transfer, no HTLCs, no actor',
    state: {
      channelId: Uint8Array.from({ length: 32 }, (_, i) => i),
      nonce: 1n,
      balanceA: 1000n,
      balanceB: 500n,
      htlcs: [],
      action: Action.Transfer,
      actor: null,
      amount: 0n,
      validUntil: 0n,
      data: new Uint8Array(32),
    },
    consensus:
      '0c0000000a06616374696f6e0100000000000000000000000000000000056163746f720906616d6f756e7401000000000000000000000000000000000962616c616e63652d6101000000000000000000000000000003e80962616c616e63652d6201000000000000000000000000000001f40a6368616e6e656c2d69640200000020000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0464617461020000002000000000000000000000000000000000000000000000000000000000000000000568746c63730b00000000056e6f6e636501000000000000000000000000000000010b76616c69642d756e74696c0100000000000000000000000000000000',
    hash: '6bc740abc1f02a9f7259668e86a7cfb25571b371b467be2b80e999684fd05499',
  },
  {
    name: 'withdraw at uint128 max, two HTLCs, contract actor, valid-until max, data',
    state: {
      channelId: new Uint8Array(32).fill(0xff),
      nonce: MAX_UINT128,
      balanceA: MAX_UINT128 - 1n,
      balanceB: 1n,
      htlcs: [
        { hash: new Uint8Array(32).fill(0xaa), amount: 7n, expiry: 144n, offeredByA: true },
        { hash: new Uint8Array(32).fill(0xbb), amount: MAX_UINT128, expiry: MAX_UINT128, offeredByA: false },
      ],
      action: Action.Withdraw,
      actor: 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.bitstream',
      amount: MAX_UINT128,
      validUntil: MAX_UINT128,
      data: Uint8Array.from({ length: 32 }, (_, i) => 255 - i),
    },
    consensus:
      '0c0000000a06616374696f6e0100000000000000000000000000000003056163746f720a061a6d78de7b0625dfbfc16c3a8a5735f6dc3dc3f2ce0962697473747265616d06616d6f756e7401ffffffffffffffffffffffffffffffff0962616c616e63652d6101fffffffffffffffffffffffffffffffe0962616c616e63652d6201000000000000000000000000000000010a6368616e6e656c2d69640200000020ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff04646174610200000020fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e00568746c63730b000000020c0000000406616d6f756e74010000000000000000000000000000000706657870697279010000000000000000000000000000009004686173680200000020aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0c6f6666657265642d62792d61030c0000000406616d6f756e7401ffffffffffffffffffffffffffffffff0665787069727901ffffffffffffffffffffffffffffffff04686173680200000020bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb0c6f6666657265642d62792d6104056e6f6e636501ffffffffffffffffffffffffffffffff0b76616c69642d756e74696c01ffffffffffffffffffffffffffffffff',
    hash: 'a74d415b4b8e4d85009fcb82896023d735073372cfce2c5f1ddcd90569126c9d',
  },
];
/** sha256 of the SIP-018 domain of `bitstream` on simnet (version "2"). */
const DOMAIN_HASH_VECTOR = 'f7f32bdda3463649e86f6254a5fe5fe5b1498bf96df1a67c1b3d9c88707efb72';

describe('state codec: fixed vectors', () => {
  it('the domain hash is the vector and the contract agrees', () => {
    expect(hex(DOMAIN_HASH)).toBe(DOMAIN_HASH_VECTOR);
    expect(simnet.callReadOnlyFn(CHANNEL, 'get-domain-hash', [], alice).result).toStrictEqual(
      Cl.buffer(Buffer.from(DOMAIN_HASH_VECTOR, 'hex')),
    );
  });

  for (const v of VECTORS)
    it(`${v.name}: bytes and hash are the vector, in TypeScript and in the contract`, () => {
      expect(hex(encodeState(v.state))).toBe(v.consensus);
      expect(hex(serializeCVBytes(stateToClarity(v.state)))).toBe(v.consensus);
      expect(hex(stateHash(v.state, DOMAIN_HASH))).toBe(v.hash);
      expect(contractConsensus(v.state)).toBe(v.consensus);
      expect(contractStateHash(v.state)).toBe(v.hash);
      expect(decodeState(Buffer.from(v.consensus, 'hex'))).toStrictEqual(v.state);
    });
});

describe('state codec: properties', () => {
  it('the hand-written encoder writes exactly what serializeCVBytes writes, and decodes back', () => {
    fc.assert(
      fc.property(anyState, (s) => {
        const bytes = encodeState(s);
        expect(hex(bytes)).toBe(hex(serializeCVBytes(stateToClarity(s))));
        expect(decodeState(bytes)).toStrictEqual(plainState(s));
        expect(stateFromClarity(stateToClarity(s))).toStrictEqual(plainState(s));
      }),
      { numRuns: 500 },
    );
  });

  it('a contract actor whose name the Clarity lexer would read as a uint (found by this property)', () => {
    for (const name of ['u0', 'u1x', 'u99-z']) {
      const s: ChannelState = {
        channelId: new Uint8Array(32), nonce: 0n, balanceA: 0n, balanceB: 0n, htlcs: [], action: Action.Transfer,
        actor: `SP000000000000000000002Q6VF78.${name}`, amount: 0n, validUntil: 0n, data: new Uint8Array(32),
      };
      expect(contractConsensus(s)).toBe(hex(encodeState(s)));
      expect(contractStateHash(s)).toBe(hex(stateHash(s, DOMAIN_HASH)));
    }
  });

  it('the contract computes the same consensus bytes and SIP-018 hash for random states', () => {
    fc.assert(
      fc.property(anyState, (s) => {
        expect(contractConsensus(s)).toBe(hex(encodeState(s)));
        expect(contractStateHash(s)).toBe(hex(stateHash(s, DOMAIN_HASH)));
      }),
      { numRuns: 100 },
    );
  });

  describe('verify-payment on real channels', () => {
    let backends: CryptoBackend[] = [];
    beforeAll(async () => {
      for (const name of BACKEND_NAMES) backends.push(await loadBackend(name));
    });

    // A state valid for a channel it opens: the parts add up to the escrow the action
    // needs (total, total + deposit, total − withdrawal). Parts stay below 2^100 so 100
    // channels never overflow the contract's per-token escrow counter.
    const part = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 1n << 100n }));
    const validCase = fc.record({
      action,
      parts: fc.array(part, { minLength: 2, maxLength: 2 + MAX_HTLCS }),
      htlcs: fc.array(htlc(fc.constant(0n)), { minLength: MAX_HTLCS, maxLength: MAX_HTLCS }),
      rawAmount: fc.bigInt({ min: 1n, max: 1n << 100n }),
      nonce: fc.oneof(fc.constant(1n), fc.bigInt({ min: 1n, max: MAX_UINT128 })),
      // a deposit or withdraw names a participant; transfer and close states carry none
      mover: fc.constantFrom('a', 'b'),
      validUntil: fc.bigInt({ min: 1n << 20n, max: MAX_UINT128 }),
      data: bytes32,
    });

    it('accepts TypeScript signatures from every backend and refuses another key', () => {
      let run = 0;
      fc.assert(
        fc.property(validCase, (c) => {
          const [a0, b, ...htlcAmounts] = c.parts as [bigint, bigint, ...bigint[]];
          let sum = c.parts.reduce((x, y) => x + y, 0n);
          const a = sum < 2n ? a0 + 2n : a0; // at least 2, so a deposit can leave 1 behind
          if (sum < 2n) sum += 2n;
          const amount =
            c.action === Action.Deposit ? 1n + (c.rawAmount % (sum - 1n)) : c.action === Action.Withdraw ? c.rawAmount : 0n;
          const total = c.action === Action.Deposit ? sum - amount : c.action === Action.Withdraw ? sum + amount : sum;
          mint(TEST_TOKEN, total, alice);
          const ch = open(alice, bob, total, { token: TEST_TOKEN });
          const moves = c.action === Action.Deposit || c.action === Action.Withdraw;
          const s: ChannelState = {
            channelId: ch.id,
            nonce: c.nonce,
            balanceA: a,
            balanceB: b,
            htlcs: htlcAmounts.map((amt, i) => ({ ...c.htlcs[i]!, amount: amt })),
            action: c.action,
            actor: moves ? (c.mover === 'a' ? alice : bob) : null,
            amount,
            validUntil: c.action === Action.Transfer ? 0n : c.validUntil,
            data: c.data,
          };
          const backend = backends[run++ % backends.length]!;
          const h = stateHash(s, DOMAIN_HASH);
          const sigA = backend.sign(h, keys[alice]!);
          const sigB = backend.sign(h, keys[bob]!);
          const byMallory = backend.sign(h, keys[mallory]!);
          expect(verifyPayment(s, sigA, sigB)).toBeOk(
            Cl.tuple({
              'participant-a': Cl.principal(alice),
              'pays-a': Cl.uint(a),
              'participant-b': Cl.principal(bob),
              'pays-b': Cl.uint(b),
              'htlc-total': Cl.uint(htlcAmounts.reduce((x, y) => x + y, 0n)),
            }),
          );
          expect(verifyPayment(s, byMallory, sigB)).toBeErr(Cl.uint(ERR.SIGNATURE_A));
          expect(verifyPayment(s, sigA, byMallory)).toBeErr(Cl.uint(ERR.SIGNATURE_B));
          // each participant's signature is only good in its own slot
          expect(verifyPayment(s, sigB, sigA)).toBeErr(Cl.uint(ERR.SIGNATURE_A));
          // the data is signed: another value is another state
          expect(verifyPayment({ ...s, data: s.data.map((x) => x ^ 1) }, sigA, sigB)).toBeErr(Cl.uint(ERR.SIGNATURE_A));
        }),
        { numRuns: 100 },
      );
    });
  });
});

describe('state codec: the hash function', () => {
  it('uses Node\'s crypto here and gives @noble/hashes\' bytes for any input (the browser path)', () => {
    expect(SHA256_IMPLEMENTATION).toBe('node:crypto');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), (data) => {
        const h = sha256(data);
        expect(h).toBeInstanceOf(Uint8Array);
        expect(hex(h)).toBe(hex(nobleSha256(data)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('state codec: ranges and shape', () => {
  const base = VECTORS[0]!.state;
  const refused: [string, ChannelState, string][] = [
    ['nonce above uint128', { ...base, nonce: MAX_UINT128 + 1n }, 'STATE_UINT_RANGE'],
    ['negative balance', { ...base, balanceA: -1n }, 'STATE_UINT_RANGE'],
    ['a number, not a bigint', { ...base, amount: 5 as unknown as bigint }, 'STATE_UINT_RANGE'],
    ['31-byte channel id', { ...base, channelId: new Uint8Array(31) }, 'STATE_BUFFER_LENGTH'],
    ['33-byte channel id', { ...base, channelId: new Uint8Array(33) }, 'STATE_BUFFER_LENGTH'],
    [
      '31-byte HTLC hash',
      { ...base, htlcs: [{ hash: new Uint8Array(31), amount: 1n, expiry: 1n, offeredByA: true }] },
      'STATE_BUFFER_LENGTH',
    ],
    [
      'HTLC expiry above uint128',
      { ...base, htlcs: [{ hash: new Uint8Array(32), amount: 1n, expiry: MAX_UINT128 + 1n, offeredByA: true }] },
      'STATE_UINT_RANGE',
    ],
    [
      `${MAX_HTLCS + 1} HTLCs`,
      { ...base, htlcs: Array.from({ length: MAX_HTLCS + 1 }, () => VECTORS[1]!.state.htlcs[0]!) },
      'STATE_TOO_MANY_HTLCS',
    ],
    ['actor with a bad checksum', { ...base, actor: 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGN' }, 'STATE_BAD_PRINCIPAL'],
    ['actor in lower case', { ...base, actor: alice.toLowerCase() }, 'STATE_BAD_PRINCIPAL'],
    ['actor with an empty contract name', { ...base, actor: `${deployer}.` }, 'STATE_BAD_PRINCIPAL'],
    ['actor with a bad contract name', { ...base, actor: `${deployer}.9lives` }, 'STATE_BAD_PRINCIPAL'],
    ['actor that is not an address', { ...base, actor: 'alice' }, 'STATE_BAD_PRINCIPAL'],
    ['negative action', { ...base, action: -1 as Action }, 'STATE_BAD_ACTION'],
    ['valid-until above uint128', { ...base, validUntil: MAX_UINT128 + 1n }, 'STATE_UINT_RANGE'],
    ['31 bytes of data', { ...base, data: new Uint8Array(31) }, 'STATE_BUFFER_LENGTH'],
    ['data that is not bytes', { ...base, data: 'zz' as unknown as Uint8Array }, 'STATE_BUFFER_LENGTH'],
  ];
  // one test, many cases: the clarinet environment resets the simnet before every `it`
  it('validateState, encodeState and stateHash refuse each out-of-range field with its code', () => {
    for (const [name, st, code] of refused)
      for (const f of [() => validateState(st), () => encodeState(st), () => stateHash(st, DOMAIN_HASH)])
        expect(f, name).toThrow(expect.objectContaining({ name: 'StateCodecError', code }));
  });

  it('encodes an unknown action (the contract refuses it itself) but will not decode one', () => {
    const s = { ...base, action: 7 as Action };
    expect(hex(encodeState(s))).toBe(hex(serializeCVBytes(stateToClarity(s))));
    expect(() => stateFromClarity(stateToClarity(s))).toThrow(expect.objectContaining({ code: 'STATE_BAD_ACTION' }));
  });

  const tuple = stateToClarity(base);
  const shapes: [string, ClarityValue][] = [
    ['not a tuple', Cl.uint(1)],
    ['a missing key', Cl.tuple(Object.fromEntries(Object.entries(tuple.value).filter(([k]) => k !== 'nonce')))],
    ['an extra key', Cl.tuple({ ...tuple.value, extra: Cl.uint(1) })],
    ['a signed int nonce', Cl.tuple({ ...tuple.value, nonce: Cl.int(1) })],
    ['an actor that is not optional', Cl.tuple({ ...tuple.value, actor: Cl.principal(alice) })],
    ['htlcs that is not a list', Cl.tuple({ ...tuple.value, htlcs: Cl.uint(0) })],
    ['a protocol v1 tuple (no valid-until, no data)', Cl.tuple(Object.fromEntries(Object.entries(tuple.value).filter(([k]) => k !== 'valid-until' && k !== 'data')))],
    ['data that is not a buffer', Cl.tuple({ ...tuple.value, data: Cl.uint(0) })],
    [
      'an HTLC without offered-by-a',
      Cl.tuple({ ...tuple.value, htlcs: Cl.list([Cl.tuple({ hash: Cl.buffer(new Uint8Array(32)), amount: Cl.uint(1), expiry: Cl.uint(1) })]) }),
    ],
  ];
  it('stateFromClarity refuses every value that is not the state tuple (STATE_SHAPE)', () => {
    for (const [name, cv] of shapes) expect(() => stateFromClarity(cv), name).toThrow(expect.objectContaining({ code: 'STATE_SHAPE' }));
  });

  it('stateFromClarity refuses a 20-byte channel id (STATE_BUFFER_LENGTH) though (buff 32) would hold it', () => {
    expect(() => stateFromClarity(Cl.tuple({ ...tuple.value, 'channel-id': Cl.buffer(new Uint8Array(20)) }))).toThrow(
      expect.objectContaining({ code: 'STATE_BUFFER_LENGTH' }),
    );
  });

  it('decodeState refuses trailing bytes and garbage', () => {
    const bytes = encodeState(base);
    expect(() => decodeState(Uint8Array.from([...bytes, 0]))).toThrow(expect.objectContaining({ code: 'STATE_SHAPE' }));
    expect(() => decodeState(Uint8Array.from([0xff, 1, 2]))).toThrow(expect.objectContaining({ code: 'STATE_SHAPE' }));
  });
});
