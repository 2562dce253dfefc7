// Adversarial input against one channel side (client/src/channel): a scripted peer
// "A" holding the real key drives a real Channel "B", then fast-check throws malformed
// and hostile messages at it — garbage JSON, wrong types, huge numbers, wrong nonces,
// sums and balance moves, HTLC abuse, replayed and reordered old messages, signatures
// by other keys, high-S twins and bad recovery ids. Every one must be refused with a
// typed error, leave B's state and store untouched, and release no signature; B stays
// live afterwards. Retransmits of the newest messages are the one idempotent exception.
// Protocol v2 adds: an offerer cannot take back its own HTLC (only the receiver proposes
// a removal), an expire request before the expiry is refused, and chain-state ops must
// name a valid-until within the landing window.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { Action, MAX_UINT128, type ChannelState } from '../../client/src/codec/state.js';
import { domainHash, stateHash } from '../../client/src/codec/sip018.js';
import { CURVE_ORDER, bigIntTo32, bytesToBigInt } from '../../client/src/crypto/signature.js';
import { BitStreamError } from '../../client/src/errors/errors.js';
import { Channel } from '../../client/src/channel/channel.js';
import { ChannelCode } from '../../client/src/channel/errors.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { toHex } from '../../client/src/wire/json.js';
import { memoryPair } from '../../client/src/wire/memory-transport.js';
import { messageToJson, parseMessage, WIRE_VERSION, type Message, type Op } from '../../client/src/wire/messages.js';
import { DOMAIN, KEY_A, KEY_B, KEY_MALLORY, PRINCIPAL_A, channelIdOf, fastBackend, openingState, sideConfig, SignatureLog } from './fixtures/peers.js';

const backend = await fastBackend();
const ID = channelIdOf(77);
const DH = domainHash(DOMAIN);
const hashOf = (s: ChannelState) => stateHash(s, DH);
const signA = (s: ChannelState) => backend.sign(hashOf(s), KEY_A);
const json = (m: Message) => JSON.parse(JSON.stringify(messageToJson(m))) as Record<string, unknown>;

/** The high-S twin of a low-S signature: same key recovers, the contract refuses it. */
function highS(sig: Uint8Array): Uint8Array {
  const out = Uint8Array.from(sig);
  out.set(bigIntTo32(CURVE_ORDER - bytesToBigInt(sig.subarray(32, 64))), 32);
  out[64] = sig[64]! ^ 1;
  return out;
}

/** Build the state `ops` would give, without any rule checks (a hostile peer's tool). */
function rawNext(prev: ChannelState, ops: Op[], nonce = prev.nonce + 1n): ChannelState {
  let { balanceA, balanceB } = prev;
  const htlcs = [...prev.htlcs];
  for (const op of ops) {
    if (op.op === 'pay') [balanceA, balanceB] = [balanceA - op.amount, balanceB + op.amount];
    if (op.op === 'add') {
      balanceA -= op.amount;
      htlcs.push({ hash: op.hash, amount: op.amount, expiry: op.expiry, offeredByA: true });
    }
  }
  return { ...prev, nonce, balanceA, balanceB, htlcs };
}

/** A scripted participant A talking to the real channel B. */
class Driver {
  b!: Channel;
  store = new MemoryStore();
  out: Message[] = [];
  history: Record<string, unknown>[] = [];
  log = new SignatureLog();
  latest = openingState(ID, 1_000_000n, 1_000n);

  async start() {
    const [endA, endB] = memoryPair();
    endA.onMessage((raw) => this.out.push(parseMessage(raw)));
    this.b = await Channel.open(
      sideConfig('b', {
        backend, channelId: ID, store: this.store, transport: endB,
        config: { retransmitMs: 3_600_000, burnHeight: 100n, tenureHeight: 100n, onSignature: this.log.record },
      }),
      this.latest,
    );
  }

  proposal(state: ChannelState, ops: Op[], tag = new Uint8Array(32).fill(5)): Message {
    return { v: WIRE_VERSION, type: 'proposal', state, ops, tag };
  }

  lastSig(state: ChannelState, sig = signA(state)): Message {
    return { v: WIRE_VERSION, type: 'signature', channelId: ID, nonce: state.nonce, hash: hashOf(state), sig, first: false };
  }

  async send(m: Message) {
    const j = json(m);
    this.history.push(j);
    await this.b.receive(j);
  }

  /** Propose `ops`, take B's signature; with `complete`, sign last and finish. */
  async update(ops: Op[], complete = true): Promise<ChannelState> {
    const next = rawNext(this.latest, ops);
    this.out = [];
    await this.send(this.proposal(next, ops, sha256(hashOf(next))));
    await new Promise((r) => setImmediate(r)); // the transport delivers on the next turn
    const sig = this.out.find((m) => m.type === 'signature');
    expect(sig, 'B signs a valid proposal').toBeDefined();
    if (complete) {
      await this.send(this.lastSig(next));
      this.latest = next;
    }
    return next;
  }

  snapshot() {
    const r = this.store.load(ID)!;
    return {
      latest: toHex(this.b.latest.hash),
      stored: toHex(r.latest.hash),
      pending: r.pending ? toHex(r.pending.hash) : null,
      balances: this.b.balances,
      signatures: this.log.events.length,
    };
  }

  /** `input` must be refused with a typed error and change nothing. */
  async expectRefused(input: unknown, code?: string) {
    const before = this.snapshot();
    const err = await this.b.receive(input).then(() => null, (e: unknown) => e);
    expect(err, `accepted: ${JSON.stringify(input)?.slice(0, 300)}`).toBeInstanceOf(BitStreamError);
    expect((err as BitStreamError).code).toMatch(/^[A-Z0-9_]+$/);
    if (code) expect((err as BitStreamError).code).toBe(code);
    expect(this.snapshot()).toEqual(before);
  }
}

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const anyUint = fc.bigInt({ min: 0n, max: MAX_UINT128 });
const amount = fc.oneof(fc.bigInt({ min: 1n, max: 1_000n }), fc.constant(MAX_UINT128));

describe('adversarial messages against an idle channel', () => {
  const d = new Driver();
  let seenHtlc: Uint8Array;

  beforeAll(async () => {
    await d.start();
    for (let i = 0; i < 5; i++) await d.update([{ op: 'pay', amount: 10n }]);
    seenHtlc = sha256(new Uint8Array(32).fill(1));
    await d.update([{ op: 'add', hash: seenHtlc, amount: 100n, expiry: 1_000n }]);
    await d.update([{ op: 'pay', amount: 1n }]);
  });

  it('a retransmitted proposal gets the same signature back, and nothing is signed again', async () => {
    const before = d.snapshot();
    const last = d.history.filter((m) => m.type === 'proposal').at(-1)!;
    const sent = d.history.filter((m) => m.type === 'signature').at(-1)!;
    d.out = [];
    await d.b.receive(last);
    await d.b.receive(sent); // the last signature again: acknowledged again
    await new Promise((r) => setTimeout(r, 5));
    const sig = d.out.find((m) => m.type === 'signature') as Extract<Message, { type: 'signature' }>;
    expect(sig.sig).toEqual(d.b.latest.sigB);
    expect(d.out.some((m) => m.type === 'ack')).toBe(true);
    expect(d.snapshot()).toEqual(before);
  });

  it('every malformed or hostile message is refused with a typed error and no state change', async () => {
    const latest = () => d.latest;
    const n = () => latest().nonce;
    const replays = d.history.slice(0, -2); // all but the newest proposal and last signature
    const garbage = fc.oneof(fc.json(), fc.anything(), fc.string());
    const wrongNonce = fc
      .oneof(fc.bigInt({ min: 0n, max: n() - 1n }), fc.bigInt({ min: n() + 2n, max: MAX_UINT128 }))
      .map((nonce) => json(d.proposal(rawNext(latest(), [{ op: 'pay', amount: 1n }], nonce), [{ op: 'pay', amount: 1n }])));
    const wrongMove = fc.tuple(amount, fc.bigInt({ min: 1n, max: 500n })).map(([x, delta]) => {
      const s = rawNext(latest(), [{ op: 'pay', amount: x }]);
      return json(d.proposal({ ...s, balanceA: s.balanceA - delta, balanceB: s.balanceB + delta }, [{ op: 'pay', amount: x }]));
    });
    const wrongSum = fc.tuple(fc.bigInt({ min: 1n, max: 500n }), fc.boolean()).map(([delta, up]) => {
      const s = rawNext(latest(), [{ op: 'pay', amount: 5n }]);
      return json(d.proposal({ ...s, balanceB: up ? s.balanceB + delta : s.balanceB - delta }, [{ op: 'pay', amount: 5n }]));
    });
    const payeePays = fc.bigInt({ min: 1n, max: 500n }).map((x) => {
      const s = rawNext(latest(), [{ op: 'pay', amount: x }]);
      return json(d.proposal({ ...s, balanceA: latest().balanceA + x, balanceB: latest().balanceB - x }, [{ op: 'pay', amount: x }]));
    });
    const badAmount = fc.constantFrom(0n, MAX_UINT128, 10n ** 30n).map((x) => json(d.proposal(rawNext(latest(), [{ op: 'pay', amount: x }]), [{ op: 'pay', amount: x }])));
    const tooClose = fc.bigInt({ min: 0n, max: 111n }).map((expiry) => {
      const ops: Op[] = [{ op: 'add', hash: new Uint8Array(32).fill(2), amount: 5n, expiry }];
      return json(d.proposal(rawNext(latest(), ops), ops));
    });
    const htlcAbuse = hash32.map((secret) => {
      // claim an HTLC A offered as if B had offered it, or refund one before expiry
      const ops: Op[] = [{ op: 'fulfil', hash: seenHtlc, secret }];
      return json(d.proposal(rawNext(latest(), []), ops));
    });
    // the offerer taking its own HTLC back: only the receiver may propose a removal (PROTOCOL §4.1)
    const refundEarly = fc.constant(null).map(() => json(d.proposal(rawNext(latest(), []), [{ op: 'fail', hash: seenHtlc }])));
    const expireEarly = fc.constant(null).map(() => ({ v: WIRE_VERSION, type: 'expire', channelId: toHex(ID), hash: toHex(seenHtlc) }));
    const v1Expire = fc.constant(null).map(() => ({ ...json(d.proposal(rawNext(latest(), []), [{ op: 'pay', amount: 1n }])), ops: [{ op: 'expire', hash: toHex(seenHtlc) }] }));
    const mixed = fc.constant(null).map(() => json(d.proposal(rawNext(latest(), []), [{ op: 'pay', amount: 1n }, { op: 'withdraw', amount: 1n, validUntil: 110n }])));
    const badLanding = fc.constantFrom(0n, 100n, 101n, 389n, MAX_UINT128).map((validUntil) => {
      const ops: Op[] = [{ op: 'withdraw', amount: 1n, validUntil }];
      return json(d.proposal({ ...rawNext(latest(), []), balanceA: latest().balanceA - 1n, action: Action.Withdraw, actor: PRINCIPAL_A, amount: 1n, validUntil }, ops));
    });
    const otherChannel = fc.constant(null).map(() => {
      const s = rawNext(latest(), [{ op: 'pay', amount: 1n }]);
      return json(d.proposal({ ...s, channelId: channelIdOf(78) }, [{ op: 'pay', amount: 1n }]));
    });
    const hugeString = fc.constantFrom('1'.repeat(50), '-1', '1e40', (MAX_UINT128 + 1n).toString()).map((x) => ({
      ...json(d.proposal(rawNext(latest(), [{ op: 'pay', amount: 1n }]), [{ op: 'pay', amount: 1n }])),
      ops: [{ op: 'pay', amount: x }],
    }));
    const wrongTypes = fc.constantFrom<[string, unknown]>(['nonce', 5], ['nonce', null], ['sig', 12], ['first', 'yes'], ['channelId', []]).map(([k, val]) => ({ ...json(d.lastSig(latest())), [k]: val }));
    const replay = fc.constantFrom(...replays);
    const firstSig = fc.tuple(anyUint, hash32).map(([nonce, h]) => ({ v: WIRE_VERSION, type: 'signature', channelId: toHex(ID), nonce: nonce.toString(), hash: toHex(h), sig: toHex(backend.sign(h, KEY_A)), first: true }));
    const strayLast = fc.bigInt({ min: n() + 1n, max: n() + 5n }).map((nonce) => json(d.lastSig(rawNext(latest(), [], nonce))));
    const ack = anyUint.map((nonce) => ({ v: WIRE_VERSION, type: 'ack', channelId: toHex(ID), nonce: nonce.toString(), hash: toHex(new Uint8Array(32)) }));
    const secret = hash32.map((s) => ({ v: WIRE_VERSION, type: 'secret', channelId: toHex(ID), hash: toHex(seenHtlc), secret: toHex(s) }));

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(garbage, wrongNonce, wrongMove, wrongSum, payeePays, badAmount, tooClose, htlcAbuse, refundEarly, expireEarly, v1Expire, mixed, badLanding, otherChannel, hugeString, wrongTypes, replay, firstSig, strayLast, ack, secret),
        async (input) => d.expectRefused(input),
      ),
      { numRuns: 600 },
    );
  });

  it('names the rule each attack breaks', async () => {
    const s = d.latest;
    const pay = (x: bigint): Op[] => [{ op: 'pay', amount: x }];
    await d.expectRefused(json(d.proposal(rawNext(s, pay(1n), s.nonce + 2n), pay(1n))), ChannelCode.WrongNonce);
    await d.expectRefused(json(d.proposal(rawNext(s, pay(1n), s.nonce), pay(1n))), ChannelCode.StaleNonce);
    const t = rawNext(s, pay(5n));
    await d.expectRefused(json(d.proposal({ ...t, balanceB: t.balanceB + 1n }, pay(5n))), ChannelCode.SumMismatch);
    await d.expectRefused(json(d.proposal({ ...t, balanceA: t.balanceA - 1n, balanceB: t.balanceB + 1n }, pay(5n))), ChannelCode.BalanceMismatch);
    await d.expectRefused(json(d.proposal({ ...t, balanceA: s.balanceA + 5n, balanceB: s.balanceB - 5n }, pay(5n))), ChannelCode.BalanceMismatch);
    await d.expectRefused(json(d.proposal(rawNext(s, pay(0n)), pay(0n))), ChannelCode.InvalidAmount);
    await d.expectRefused(json(d.proposal(rawNext(s, []), pay(s.balanceA + 1n))), ChannelCode.InsufficientBalance);
    const add: Op[] = [{ op: 'add', hash: new Uint8Array(32).fill(3), amount: 5n, expiry: 111n }];
    await d.expectRefused(json(d.proposal(rawNext(s, add), add)), ChannelCode.HtlcExpiryTooClose);
    await d.expectRefused({ v: WIRE_VERSION, type: 'expire', channelId: toHex(ID), hash: toHex(seenHtlc) }, ChannelCode.HtlcNotExpired);
    await d.expectRefused(json(d.proposal(rawNext(s, []), [{ op: 'fail', hash: seenHtlc }])), ChannelCode.HtlcUnknown); // A offered it: A cannot fail it
    const wd: Op[] = [{ op: 'withdraw', amount: 1n, validUntil: 500n }];
    await d.expectRefused(json(d.proposal({ ...rawNext(s, []), balanceA: s.balanceA - 1n, action: Action.Withdraw, actor: PRINCIPAL_A, amount: 1n, validUntil: 500n }, wd)), ChannelCode.BadValidUntil);
    await d.expectRefused(json(d.proposal({ ...t, action: Action.Close }, pay(5n))), ChannelCode.StateMismatch);
    await d.expectRefused(json(d.proposal({ ...t, channelId: channelIdOf(78) }, pay(5n))), ChannelCode.UnknownChannel);
    // B may not be asked to pay: what the responder is owed never decreases
    await d.expectRefused(json(d.proposal({ ...t, balanceA: s.balanceA + 5n, balanceB: s.balanceB - 5n }, pay(5n))), ChannelCode.BalanceMismatch);
  });

  it('stays live: a valid payment still goes through', async () => {
    await d.update([{ op: 'pay', amount: 3n }]);
    expect(d.b.latest.state.nonce).toBe(d.latest.nonce);
    expect(d.log.doubles()).toEqual([]);
  });
});

describe('adversarial signatures against a channel awaiting the last signature', () => {
  const d = new Driver();
  let pending: ChannelState;

  beforeAll(async () => {
    await d.start();
    for (let i = 0; i < 3; i++) await d.update([{ op: 'pay', amount: 10n }]);
    pending = await d.update([{ op: 'pay', amount: 7n }], false);
  });

  it('refuses other keys, high-S twins, bad recovery ids, other states and double-sign attempts', async () => {
    const good = signA(pending);
    const h = hashOf(pending);
    await d.expectRefused(json(d.lastSig(pending, backend.sign(h, KEY_MALLORY))), 'SIGNATURE_WRONG_KEY');
    await d.expectRefused(json(d.lastSig(pending, backend.sign(h, KEY_B))), 'SIGNATURE_WRONG_KEY'); // B's own key is not A's
    await d.expectRefused(json(d.lastSig(pending, highS(good))), 'SIGNATURE_HIGH_S');
    await d.expectRefused(json(d.lastSig(pending, Uint8Array.from([...good.subarray(0, 64), good[64]! ^ 1]))), 'SIGNATURE_WRONG_KEY');
    await d.expectRefused(json(d.lastSig(pending, Uint8Array.from([...good.subarray(0, 64), 2]))), 'SIGNATURE_RECOVERY_ID');
    await d.expectRefused(json(d.lastSig(pending, new Uint8Array(65))), 'SIGNATURE_RANGE');
    await d.expectRefused(json(d.lastSig(pending, signA(d.latest))), 'SIGNATURE_WRONG_KEY'); // A's signature on another state
    await d.expectRefused({ ...json(d.lastSig(pending)), hash: toHex(new Uint8Array(32).fill(1)) }, ChannelCode.StateMismatch);
    const other = rawNext(d.latest, [{ op: 'pay', amount: 8n }]);
    await d.expectRefused(json(d.proposal(other, [{ op: 'pay', amount: 8n }])), ChannelCode.DoubleSign);
    await d.expectRefused(json(d.proposal(rawNext(pending, [{ op: 'pay', amount: 1n }]), [{ op: 'pay', amount: 1n }])), ChannelCode.WrongNonce);
  });

  it('fuzzed signatures and proposals: all refused, nothing signed twice', async () => {
    const h = hashOf(pending);
    const good = signA(pending);
    const sigs = fc.oneof(
      fc.uint8Array({ minLength: 65, maxLength: 65 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((k) => {
        k[0] = 1; // a valid private key other than A's
        return backend.sign(h, k);
      }),
      fc.constant(highS(good)),
      fc.integer({ min: 0, max: 63 }).map((i) => {
        const s = Uint8Array.from(good);
        s[i] = s[i]! ^ 0x01; // one bit of R or S flipped
        return s;
      }),
    );
    const lastSigs = sigs.map((sig) => json(d.lastSig(pending, sig)));
    const wrongLength = fc.uint8Array({ minLength: 0, maxLength: 80 }).filter((b) => b.length !== 65).map((b) => ({ ...json(d.lastSig(pending)), sig: toHex(b) }));
    const doubleSign = fc.bigInt({ min: 1n, max: 1_000n }).filter((x) => x !== 7n).map((x) => json(d.proposal(rawNext(d.latest, [{ op: 'pay', amount: x }]), [{ op: 'pay', amount: x }])));
    await fc.assert(fc.asyncProperty(fc.oneof(lastSigs, wrongLength, doubleSign), async (input) => d.expectRefused(input)), { numRuns: 300 });
    expect(d.log.doubles()).toEqual([]);
  });

  it('the genuine last signature still completes the state', async () => {
    await d.send(d.lastSig(pending));
    d.latest = pending;
    expect(d.b.latest.state.nonce).toBe(pending.nonce);
    expect(d.store.load(ID)!.pending).toBeNull();
    await d.update([{ op: 'pay', amount: 1n }]);
  });
});

