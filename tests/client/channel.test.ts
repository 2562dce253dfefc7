// The channel state machine (client/src/channel) between two peers over the in-memory
// transport: volume with exact balances, unbatched and batched, signing order, HTLCs
// (expiries in tenures, removals proposed by the receiver), deposit/withdraw/close with
// confirmation depth, reserve, lossy links, crash recovery of a lost proposal,
// durability before release — and the states it produces accepted by the contract on
// the simnet (verify-payment, fund-channel, withdraw, close-channel). The v2 client rules
// (chain states land or lapse, payment identity, secrets kept) are in channel-rules.test.ts.
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import { sha256 } from '@noble/hashes/sha2.js';
import { Action, MAX_UINT128 } from '../../client/src/codec/state.js';
import { BitStreamError } from '../../client/src/errors/errors.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { Channel } from '../../client/src/channel/channel.js';
import { ChannelCode } from '../../client/src/channel/errors.js';
import { backendVerifier } from '../../client/src/channel/verify.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import type { PendingState, SaveSignedOptions, SignedState } from '../../client/src/store/types.js';
import type { PaymentReceipt } from '../../client/src/channel/payments.js';
import { memoryPair } from '../../client/src/wire/memory-transport.js';
import {
  PRINCIPAL_A, PRINCIPAL_B, SignatureLog, fastBackend, keySigner, openPair, openingState, settle, sideConfig,
} from './fixtures/peers.js';
import {
  CHANNEL, SIMNET_CHAIN_ID, alice, bob, callWithState, keys, open, record, stxBalance, verify, WINDOW,
} from '../contracts/helpers.js';

const backend = await fastBackend();

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, `expected a ${code} refusal`).toBeInstanceOf(BitStreamError);
  expect((e as BitStreamError).code).toBe(code);
}

const total = (s: SignedState) => s.state.balanceA + s.state.balanceB + s.state.htlcs.reduce((x, h) => x + h.amount, 0n);

describe('payments between two peers', () => {
  it('5,000 payments both ways, arriving over time: exact balances, one state per nonce', async () => {
    const logA = new SignatureLog();
    const logB = new SignatureLog();
    const p = await openPair({
      backend,
      balanceA: 10_000_000n,
      balanceB: 10_000_000n,
      configA: { onSignature: logA.record },
      configB: { onSignature: logB.record },
    });
    let aPaid = 0n;
    let bPaid = 0n;
    const all: Promise<PaymentReceipt>[] = [];
    for (let i = 0; i < 5_000; i++) {
      const x = BigInt(1 + ((i * 7919) % 97));
      if (i % 3 === 2) {
        bPaid += x;
        all.push(p.b.pay(x));
      } else {
        aPaid += x;
        all.push(p.a.pay(x));
      }
      // let updates complete between bursts, so payments spread over many states
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    const states = await Promise.all(all);
    await settle(p);
    expect(p.a.balances.own).toBe(10_000_000n - aPaid + bPaid);
    expect(p.b.balances.own).toBe(10_000_000n + aPaid - bPaid);
    expect(p.a.latest.hash).toEqual(p.b.latest.hash);
    expect(total(p.a.latest)).toBe(20_000_000n);
    // each payment resolved with the receipt of a final state at or below the final nonce
    expect(states.every((r) => r.nonce >= 1n && r.nonce <= p.a.latest.state.nonce)).toBe(true);
    expect(new Set(states.map((r) => r.id)).size).toBe(5_000);
    // batching folded them, but there were many updates, and no nonce was signed twice
    expect(p.a.latest.state.nonce).toBeGreaterThan(20n);
    expect(p.a.latest.state.nonce).toBeLessThan(5_000n);
    expect(logA.doubles()).toEqual([]);
    expect(logB.doubles()).toEqual([]);
    p.close();
  });

  it('unbatched: 300 concurrent pay() calls give 300 states, nonces 1..300, each signed once per side', async () => {
    const logA = new SignatureLog();
    const logB = new SignatureLog();
    const p = await openPair({ backend, config: { batching: false }, configA: { onSignature: logA.record }, configB: { onSignature: logB.record } });
    const states = await Promise.all(Array.from({ length: 300 }, () => p.a.pay(2n)));
    expect(states.map((r) => r.nonce).sort((x, y) => Number(x - y))).toEqual(Array.from({ length: 300 }, (_, i) => BigInt(i + 1)));
    await settle(p);
    expect(p.b.balances.own).toBe(600n);
    expect(logA.byNonce.size).toBe(300);
    expect(logB.byNonce.size).toBe(300);
    expect(logA.doubles()).toEqual([]);
    expect(logB.doubles()).toEqual([]);
    p.close();
  });

  it('the payer signs last: for every state the payee released its signature first', async () => {
    const logA = new SignatureLog();
    const logB = new SignatureLog();
    const p = await openPair({ backend: nobleBackend, balanceB: 1_000n, configA: { onSignature: logA.record }, configB: { onSignature: logB.record } });
    for (let i = 0; i < 10; i++) {
      await p.a.pay(5n);
      await p.b.pay(1n);
    }
    await settle(p);
    for (const a of logA.events) {
      const b = logB.events.find((e) => e.nonce === a.nonce)!;
      const payerIsA = a.nonce % 2n === 1n;
      const [payer, payee] = payerIsA ? [a, b] : [b, a];
      expect(payee.first).toBe(true);
      expect(payer.first).toBe(false);
      expect(payee.at).toBeLessThan(payer.at);
    }
    expect(p.a.balances).toEqual({ own: 1_000_000n - 40n, other: 1_040n });
    p.close();
  });

  it('a lossy link (drops, duplicates, reordering) still ends exact, with no nonce signed twice', async () => {
    const logA = new SignatureLog();
    const logB = new SignatureLog();
    const p = await openPair({
      backend,
      balanceB: 50_000n,
      faults: { drop: 0.25, duplicate: 0.25, reorder: 0.25, seed: 42 },
      config: { retransmitMs: 10, batching: false },
      configA: { onSignature: logA.record },
      configB: { onSignature: logB.record },
    });
    let net = 0n;
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      all.push(p.a.pay(3n));
      net += 3n;
      if (i % 4 === 0) {
        all.push(p.b.pay(2n));
        net -= 2n;
      }
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(all);
    await settle(p, 30_000);
    expect(p.b.balances.own).toBe(50_000n + net);
    expect(p.a.latest.hash).toEqual(p.b.latest.hash);
    expect(logA.doubles()).toEqual([]);
    expect(logB.doubles()).toEqual([]);
    p.close();
  });

  it('refuses zero, negative, overflowing and non-bigint amounts with a typed error and no state change', async () => {
    const p = await openPair({ backend: nobleBackend, balanceA: 100n });
    const before = p.a.latest;
    await expectCode(p.a.pay(0n), ChannelCode.InvalidAmount);
    await expectCode(p.a.pay(-5n), ChannelCode.InvalidAmount);
    await expectCode(p.a.pay(MAX_UINT128 + 1n), ChannelCode.InvalidAmount);
    await expectCode(p.a.pay(5 as unknown as bigint), ChannelCode.InvalidAmount);
    await expectCode(p.a.pay(101n), ChannelCode.InsufficientBalance);
    await expectCode(p.b.pay(1n), ChannelCode.InsufficientBalance);
    expect(p.a.latest).toBe(before);
    await p.a.pay(100n);
    expect(p.a.balances).toEqual({ own: 0n, other: 100n });
    p.close();
  });

  it('keeps the reserve once a side has reached it', async () => {
    const p = await openPair({ backend, balanceA: 1_000n, balanceB: 50n, config: { reserve: 100n } });
    // b has never reached the reserve: it may pay below it
    await p.b.pay(30n);
    await p.a.pay(900n);
    await expectCode(p.a.pay(31n), ChannelCode.Reserve);
    await p.a.pay(30n);
    // b has now reached it, and keeps it
    await expectCode(p.b.pay(851n), ChannelCode.Reserve);
    await p.b.pay(850n);
    await settle(p);
    expect(p.a.balances).toEqual({ own: 950n, other: 100n });
    p.close();
  });

  it('a signature is durable before it leaves: nothing is sent until the store commits', async () => {
    const gate = new GatedStore();
    const p = await openPair({ backend, storeB: gate });
    const sent: string[] = [];
    const origSend = p.endB.send.bind(p.endB);
    p.endB.send = (m) => {
      sent.push(m.type);
      origSend(m);
    };
    const paid = p.a.pay(7n);
    await gate.waitForWrite();
    await new Promise((r) => setTimeout(r, 20));
    expect(sent.filter((t) => t === 'signature')).toEqual([]); // B signed but has not committed
    gate.release();
    await paid;
    expect(sent).toContain('signature');
    p.close();
  });

  it('the payee acknowledges a final state only once it is durable', async () => {
    const gate = new GatedStore('signed');
    const finals: bigint[] = [];
    const p = await openPair({ backend, storeB: gate, configB: { onState: (s) => finals.push(s.state.nonce) } });
    const sent: string[] = [];
    const origSend = p.endB.send.bind(p.endB);
    p.endB.send = (m) => {
      sent.push(m.type);
      origSend(m);
    };
    await p.a.pay(7n); // final for the payer (its own commit)
    await gate.waitForWrite();
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toEqual(['signature']); // B's first signature, no ack yet
    expect(finals).toEqual([]);
    gate.release();
    await settle(p);
    await new Promise((r) => setTimeout(r, 5));
    expect(sent).toContain('ack');
    expect(finals).toEqual([1n]);
    p.close();
  });

  it('a payer that lost its proposal in a crash completes the one the payee signed (no second state at that nonce)', async () => {
    const logB = new SignatureLog();
    const storeA = new MemoryStore();
    const storeB = new MemoryStore();
    const p = await openPair({ backend, storeA, storeB, configB: { onSignature: logB.record }, config: { retransmitMs: 20 } });
    await p.a.pay(10n);
    // cut B → A: B signs the next proposal but A never hears back, then A "crashes"
    p.endB.send = () => undefined;
    const lost = p.a.pay(25n);
    lost.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 30));
    expect(storeB.load(p.b.channelId)!.pending?.state.nonce).toBe(2n);
    p.a.close();
    p.b.close();
    // restart both on fresh transports and stores' contents
    const [endA, endB] = memoryPair();
    const cfg = (role: 'a' | 'b') =>
      sideConfig(role, {
        backend, channelId: p.a.channelId, store: role === 'a' ? storeA : storeB, transport: role === 'a' ? endA : endB,
        config: { retransmitMs: 20, onSignature: role === 'b' ? logB.record : undefined },
      });
    const a = await Channel.open(cfg('a'));
    const b = await Channel.open(cfg('b'));
    expect(a.latest.state.nonce).toBe(1n);
    // A proposes something else at nonce 2; B refuses to sign twice and shows what it signed
    const next = a.pay(1n);
    await next;
    await settle({ a, b });
    expect(b.latest.hash).toEqual(a.latest.hash);
    expect(a.latest.state.nonce).toBe(3n);
    expect(b.balances.own).toBe(10n + 25n + 1n); // the lost payment completed, then the new one
    expect(logB.doubles()).toEqual([]);
    a.close();
    b.close();
  });
});

describe('HTLCs', () => {
  const secret = new Uint8Array(32).fill(9);
  const hash = sha256(secret);

  it('add, fulfil with the secret, fail, and expire after the expiry (tenure heights)', async () => {
    const p = await openPair({ backend, balanceA: 1_000n, balanceB: 1_000n, config: { burnHeight: 5_000n, tenureHeight: 100n } });
    const expiry = 100n + 6n + 6n; // the tenure now + window + default safety delta
    await expectCode(p.a.addHtlc({ hash, amount: 50n, expiry: expiry - 1n }), ChannelCode.HtlcExpiryTooClose);
    const added = await p.a.addHtlc({ hash, amount: 50n, expiry });
    expect(added.state.htlcs).toEqual([{ hash, amount: 50n, expiry, offeredByA: true }]);
    expect(added.state.balanceA).toBe(950n);
    await settle(p);
    await expectCode(p.b.fulfilHtlc(new Uint8Array(32).fill(8)), ChannelCode.HtlcUnknown);
    const fulfilled = await p.b.fulfilHtlc(secret);
    expect(fulfilled.state.htlcs).toEqual([]);
    expect(fulfilled.state.balanceB).toBe(1_050n);
    await settle(p);

    // fail: b gives an HTLC back
    const h2 = sha256(new Uint8Array(32).fill(2));
    await p.a.addHtlc({ hash: h2, amount: 30n, expiry: 500n });
    await settle(p);
    await expectCode(p.a.expireHtlc(h2), ChannelCode.HtlcNotExpired);
    const failed = await p.b.failHtlc(h2);
    expect(failed.state.balanceA).toBe(950n);
    await settle(p);

    // expire: the offerer asks once the expiry has passed on both sides' tenure clocks;
    // the receiver proposes the removal, so it (owed less afterwards) signs last
    const h3 = sha256(new Uint8Array(32).fill(3));
    await p.b.addHtlc({ hash: h3, amount: 20n, expiry: 200n });
    await settle(p);
    for (const c of [p.a, p.b]) c.setChainTime({ burnHeight: 5_000n, tenureHeight: 201n });
    const expired = await p.b.expireHtlc(h3);
    expect(expired.state.htlcs).toEqual([]);
    expect(expired.state.balanceB).toBe(1_050n);
    await settle(p);
    expect(total(p.a.latest)).toBe(2_000n);
    expect(p.a.latest.hash).toEqual(p.b.latest.hash);
    p.close();
  });

  it('burn heights do not count for HTLC expiries: without a tenure height no HTLC is offered', async () => {
    const p = await openPair({ backend, balanceA: 1_000n, config: { burnHeight: 100n } });
    await expectCode(p.a.addHtlc({ hash, amount: 5n, expiry: 10_000n }), ChannelCode.NotReady);
    p.close();
  });

  it('the responder refuses an HTLC whose expiry is too close on its own clock', async () => {
    const p = await openPair({ backend, balanceA: 1_000n, configA: { tenureHeight: 100n }, configB: { tenureHeight: 110n } });
    await expectCode(p.a.addHtlc({ hash, amount: 5n, expiry: 115n }), ChannelCode.HtlcExpiryTooClose);
    expect(p.b.latest.state.nonce).toBe(0n);
    p.close();
  });

  it('a receiver that knows the secret refuses to give the HTLC up, even after the expiry', async () => {
    const p = await openPair({ backend, balanceA: 1_000n, config: { tenureHeight: 80n } });
    await p.a.addHtlc({ hash, amount: 5n, expiry: 100n });
    await settle(p);
    await p.b.learnSecret(secret);
    for (const c of [p.a, p.b]) c.setChainTime({ burnHeight: 0n, tenureHeight: 101n });
    await expectCode(p.a.expireHtlc(hash), ChannelCode.HtlcSecretKnown);
    await expectCode(p.b.failHtlc(hash), ChannelCode.HtlcSecretKnown);
    expect(p.b.latest.state.htlcs).toHaveLength(1);
    p.close();
  });

  it('a revealed secret reaches the offerer; a wrong one is refused', async () => {
    const seen: Uint8Array[] = [];
    const errors: string[] = [];
    const p = await openPair({ backend, balanceA: 1_000n, config: { tenureHeight: 80n }, configA: { onSecret: (_h, s) => seen.push(s), onError: (e) => errors.push((e as BitStreamError).code) } });
    await p.a.addHtlc({ hash, amount: 5n, expiry: 100n });
    await settle(p);
    p.b.revealSecret(new Uint8Array(32).fill(1));
    p.b.revealSecret(secret);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([secret]);
    expect(errors).toEqual([ChannelCode.HtlcUnknown]);
    p.close();
  });
});

describe('deposit, withdraw and close states', () => {
  it('a deposit counts only once it is deep enough; withdraw likewise; nothing follows a landed close', async () => {
    const p = await openPair({ backend, balanceA: 1_000n, config: { confirmations: 3, burnHeight: 10n } });
    // the opening itself is not yet deep enough
    let paid = false;
    const first = p.a.pay(1n).then((s) => ((paid = true), s));
    await new Promise((r) => setTimeout(r, 20));
    expect(paid).toBe(false);
    for (const c of [p.a, p.b]) {
      c.confirmOnChain(0n, 9n);
      c.setBurnHeight(11n);
    }
    await first;
    const dep = await p.b.deposit(500n);
    expect(dep.state).toMatchObject({ action: Action.Deposit, actor: PRINCIPAL_B, amount: 500n, balanceB: 501n, validUntil: 11n + 12n });
    await settle(p);
    let after = false;
    const blocked = p.b.pay(100n).then(() => (after = true));
    for (const c of [p.a, p.b]) c.confirmOnChain(dep.state.nonce, 11n);
    await new Promise((r) => setTimeout(r, 20));
    expect(after).toBe(false); // mined at 11, tip 11: one block deep, three needed
    for (const c of [p.a, p.b]) c.setBurnHeight(13n);
    await blocked;
    const wd = await p.a.withdraw(200n);
    expect(wd.state).toMatchObject({ action: Action.Withdraw, actor: PRINCIPAL_A, amount: 200n, balanceA: 999n - 200n + 100n });
    await settle(p);
    for (const c of [p.a, p.b]) {
      c.confirmOnChain(wd.state.nonce, 13n);
      c.setBurnHeight(15n);
    }
    const closing = await p.a.closeState();
    expect(closing.state).toMatchObject({ action: Action.Close, actor: null, amount: 0n, validUntil: 15n + 12n });
    expect(total(closing)).toBe(1_300n);
    await settle(p);
    for (const c of [p.a, p.b]) {
      c.confirmOnChain(closing.state.nonce, 16n);
      c.setBurnHeight(18n);
    }
    await expectCode(p.a.pay(1n), ChannelCode.Closed);
    await expectCode(p.b.pay(1n), ChannelCode.Closed);
    p.close();
  });
});

describe('the contract accepts the states the channel produces', () => {
  it('opens on the simnet, pays, funds, withdraws, verifies and closes', async () => {
    const ch = open(alice, bob, 10_000n, { window: WINDOW });
    const domain = { contract: CHANNEL, chainId: SIMNET_CHAIN_ID };
    const [endA, endB] = memoryPair();
    const burn = () => BigInt(simnet.burnBlockHeight);
    const common = {
      channelId: ch.id, domain, participants: { a: alice, b: bob }, window: WINDOW, confirmations: 1,
      verifier: backendVerifier(nobleBackend), burnHeight: burn(), tenureHeight: burn(), // the simnet moves both together
    };
    const initial = openingState(ch.id, 10_000n);
    const a = await Channel.open({ ...common, role: 'a', signer: keySigner(keys[alice]!), counterpartyKeys: [nobleBackend.publicKeyOf(keys[bob]!)], store: new MemoryStore(), transport: endA }, initial);
    const b = await Channel.open({ ...common, role: 'b', signer: keySigner(keys[bob]!), counterpartyKeys: [nobleBackend.publicKeyOf(keys[alice]!)], store: new MemoryStore(), transport: endB }, initial);
    const mined = (nonce: bigint) => {
      for (const c of [a, b]) {
        c.confirmOnChain(nonce, burn());
        c.setChainTime({ burnHeight: burn(), tenureHeight: burn() });
      }
    };
    const args = (s: SignedState) => ({ state: s.state, sigA: s.sigA!, sigB: s.sigB! });
    mined(0n);
    for (let i = 0; i < 20; i++) await a.pay(100n);
    const dep = await b.deposit(3_000n);
    expect(callWithState('fund-channel', ch, args(dep), bob).result).toBeOk(Cl.uint(dep.state.nonce));
    mined(dep.state.nonce);
    await b.pay(500n);
    const secret = new Uint8Array(32).fill(4);
    await a.addHtlc({ hash: sha256(secret), amount: 700n, expiry: burn() + WINDOW + 10n });
    await settle({ a, b });
    // a transfer state with an HTLC in it is valid for the contract
    expect(verify(ch, args(a.latest))).toBeOk(
      Cl.tuple({ 'participant-a': Cl.principal(alice), 'pays-a': Cl.uint(a.latest.state.balanceA), 'participant-b': Cl.principal(bob), 'pays-b': Cl.uint(a.latest.state.balanceB), 'htlc-total': Cl.uint(700n) }),
    );
    await b.fulfilHtlc(secret);
    const wd = await a.withdraw(1_000n);
    const before = stxBalance(alice);
    // either participant lands a withdraw; it pays the actor (PROTOCOL §4.3)
    expect(callWithState('withdraw', ch, args(wd), bob).result).toBeOk(Cl.uint(wd.state.nonce));
    expect(stxBalance(alice)).toBe(before + 1_000n);
    mined(wd.state.nonce);
    await a.pay(1n);
    await settle({ a, b });
    const last = a.latest;
    expect(last.state.balanceA).toBe(10_000n - 2_000n + 500n - 700n - 1_000n - 1n);
    expect(verify(ch, args(last))).toBeOk(
      Cl.tuple({ 'participant-a': Cl.principal(alice), 'pays-a': Cl.uint(last.state.balanceA), 'participant-b': Cl.principal(bob), 'pays-b': Cl.uint(last.state.balanceB), 'htlc-total': Cl.uint(0n) }),
    );
    const closing = await b.closeState();
    const [aBefore, bBefore] = [stxBalance(alice), stxBalance(bob)];
    expect(callWithState('close-channel', ch, args(closing), bob).result.type).toBe('ok');
    expect(stxBalance(alice)).toBe(aBefore + closing.state.balanceA);
    expect(stxBalance(bob)).toBe(bBefore + closing.state.balanceB);
    expect(record(ch)!.nonce).toBe(closing.state.nonce);
    a.close();
    b.close();
  });
});

/** A store whose writes wait until the test releases them (to watch what leaves before a commit). */
class GatedStore extends MemoryStore {
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  private wrote: (() => void) | null = null;
  private wroteP = new Promise<void>((r) => (this.wrote = r));
  /** which writes wait for release(): the first signatures (pending) or the final states (signed) */
  constructor(private readonly gated: 'pending' | 'signed' = 'pending') {
    super();
    this.gate = new Promise((r) => (this.open = r));
  }
  waitForWrite() {
    return this.wroteP;
  }
  release() {
    this.open?.();
  }
  override async savePending(id: Uint8Array, p: PendingState) {
    const done = super.savePending(id, p); // the compare-and-swap happens at once, as in SqliteStore
    if (this.gated === 'pending') {
      this.wrote?.();
      await this.gate;
    }
    return done;
  }
  override async saveSigned(id: Uint8Array, s: SignedState, opts?: SaveSignedOptions) {
    const done = super.saveSigned(id, s, opts);
    if (this.gated === 'signed') {
      this.wrote?.();
      await this.gate;
    }
    return done;
  }
}
