// The client rules of protocol v2 (contracts/PROTOCOL.md §4.3, §5, §8), each performed as
// the attack or the accident it guards against, between two channel sides over the
// in-memory transport:
//   - chain states land or lapse: nothing is signed on an unlanded withdraw, deposit or
//     close; once it lapses both sides continue from the state before it;
//   - payments have identity: an id pays once (also after a restart), a timeout or an
//     abort fails only a payment not yet proposed, and a payment reported failed never
//     completes later, even when the peer (or whoever forged its refusal) signs it after;
//   - secrets are kept durably: a restart never gives up an HTLC whose secret it knows,
//     and an intermediary has the secret stored and reported before it signs anything.
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { Action, NO_DATA, type ChannelState } from '../../client/src/codec/state.js';
import { BitStreamError } from '../../client/src/errors/errors.js';
import { Channel } from '../../client/src/channel/channel.js';
import { ChannelCode, UsageError } from '../../client/src/channel/errors.js';
import { PaymentFailedError, PaymentPendingError } from '../../client/src/channel/payments.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { toHex } from '../../client/src/wire/json.js';
import { memoryPair } from '../../client/src/wire/memory-transport.js';
import { encodeMessage, parseMessage, type Message } from '../../client/src/wire/messages.js';
import { fastBackend, openPair, settle, sideConfig } from './fixtures/peers.js';

const backend = await fastBackend();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function refusal(p: Promise<unknown>): Promise<BitStreamError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, 'expected a refusal').toBeInstanceOf(BitStreamError);
  return e as BitStreamError;
}

/** Both sides see the chain at burn height `burn` (tenure `tenure`). */
function tip(p: { a: Channel; b: Channel }, burn: bigint, tenure?: bigint): void {
  for (const c of [p.a, p.b]) c.setChainTime({ burnHeight: burn, ...(tenure === undefined ? {} : { tenureHeight: tenure }) });
}

/** A settled pair whose opening is confirmed, at burn height 10, one confirmation needed. */
async function confirmedPair(opts: Parameters<typeof openPair>[0] = {}) {
  const p = await openPair({ backend, balanceA: 1_000n, ...opts, config: { confirmations: 1, burnHeight: 10n, ...opts.config } });
  for (const c of [p.a, p.b]) c.confirmOnChain(0n, 9n);
  return p;
}

describe('chain states land or lapse (PROTOCOL §4.3)', () => {
  it('a withheld withdraw: nothing is signed on it until it lapses, then both continue from the state before it', async () => {
    const p = await confirmedPair();
    await p.a.pay(100n);
    const wd = await p.a.withdraw(300n);
    expect(wd.state).toMatchObject({ action: Action.Withdraw, nonce: 2n, validUntil: 22n, balanceA: 600n });
    await settle(p);
    // the withdrawer never lands it; both keep paying
    let done = 0;
    const later = [p.b.pay(50n).then(() => done++), p.a.pay(10n).then(() => done++)];
    for (const h of [12n, 22n, 23n]) {
      tip(p, h);
      await sleep(15);
      expect(done, `nothing built on the unlanded withdraw at burn height ${h}`).toBe(0);
    }
    expect(p.a.latest.state.nonce).toBe(2n);
    tip(p, 24n); // valid-until 22 + one confirmation passed: it can never land now
    await Promise.all(later);
    await settle(p);
    // the withdrawal never happened: the escrow is whole, the payments stand
    expect(p.a.latest.state.balanceA + p.a.latest.state.balanceB).toBe(1_000n);
    expect(p.b.balances.own).toBe(100n - 50n + 10n);
    expect(p.a.latest.hash).toEqual(p.b.latest.hash);
    expect(p.a.closable.state.nonce).toBe(p.a.latest.state.nonce);
    p.close();
  });

  it('a withdraw the other side lands: payments continue from it once it is deep enough', async () => {
    const p = await confirmedPair();
    const wd = await p.a.withdraw(300n);
    await settle(p);
    const paid = p.b.pay(1n).catch(() => undefined);
    expect(p.b.closable.state.nonce).toBe(0n); // the withdraw state is not closable
    for (const c of [p.a, p.b]) c.confirmOnChain(wd.state.nonce, 11n);
    tip(p, 11n);
    await paid;
    await settle(p);
    expect(p.a.latest.state.balanceA + p.a.latest.state.balanceB).toBe(700n);
    p.close();
  });

  it('an unlanded close state is not final: nothing follows it until it lapses, then payments resume at the next nonce', async () => {
    const p = await confirmedPair();
    await p.a.pay(100n);
    const close = await p.b.closeState();
    await settle(p);
    let paid = false;
    const next = p.a.pay(7n).then(() => (paid = true));
    await sleep(20);
    expect(paid).toBe(false);
    tip(p, close.state.validUntil + 2n);
    await next;
    await settle(p);
    expect(p.a.latest.state).toMatchObject({ action: Action.Transfer, nonce: close.state.nonce + 1n, balanceB: 107n });
    p.close();
  });

  it('the responder refuses a chain state whose valid-until is outside its landing window', async () => {
    const p = await confirmedPair({ configA: { landWithin: 1_000n } });
    const e = await refusal(p.a.withdraw(5n));
    expect(e.code).toBe(ChannelCode.BadValidUntil);
    expect(p.b.latest.state.nonce).toBe(0n);
    p.close();
  });
});

describe('payments have identity (PROTOCOL §8)', () => {
  it('paying again with the same id returns the first outcome and pays once; another amount is a conflict', async () => {
    const p = await openPair({ backend, balanceA: 1_000n });
    const [r1, r2] = await Promise.all([p.a.pay(5n, { id: 'order-1' }), p.a.pay(5n, { id: 'order-1' })]);
    const r3 = await p.a.pay(5n, { id: 'order-1' });
    expect(r2).toEqual(r1);
    expect(r3).toEqual(r1);
    await settle(p);
    expect(p.b.balances.own).toBe(5n);
    expect(p.a.paymentStatus('order-1')).toEqual({ id: 'order-1', amount: 5n, status: 'completed', nonce: r1.nonce });
    expect((await refusal(p.a.pay(6n, { id: 'order-1' }))).code).toBe(ChannelCode.PaymentIdConflict);
    expect((await refusal(p.a.pay(6n, { id: 'no spaces' }))).code).toBe(ChannelCode.BadPaymentId);
    expect(p.a.paymentStatus('never')).toBeNull();
    p.close();
  });

  it('a payment id survives a restart: retrying it after the process restarted never pays twice', async () => {
    const storeA = new MemoryStore();
    const p = await openPair({ backend, balanceA: 1_000n, storeA });
    const first = await p.a.pay(25n, { id: 'invoice-7' });
    await settle(p);
    const nonce = p.a.latest.state.nonce;
    p.a.close();
    const [endA] = memoryPair();
    const again = await Channel.open(sideConfig('a', { backend, store: storeA, transport: endA }));
    expect(await again.pay(25n, { id: 'invoice-7' })).toEqual(first);
    expect(again.latest.state.nonce).toBe(nonce);
    again.close();
    p.close();
  });

  it('a payment still queued when its timeout passes fails for good, and never completes later', async () => {
    const p = await openPair({ backend, balanceA: 1_000n, config: { confirmations: 1, burnHeight: 10n } });
    // the opening is not confirmed yet, so nothing is proposed
    const e = await refusal(p.a.pay(40n, { id: 'late', timeoutMs: 30 }));
    expect(e).toBeInstanceOf(PaymentFailedError);
    expect(e.code).toBe(ChannelCode.PaymentTimeout);
    const abort = new AbortController();
    const aborted = p.a.pay(41n, { id: 'aborted', signal: abort.signal });
    abort.abort();
    expect((await refusal(aborted)).code).toBe(ChannelCode.PaymentAborted);
    for (const c of [p.a, p.b]) c.confirmOnChain(0n, 9n);
    tip(p, 10n);
    await p.a.pay(1n);
    await settle(p);
    expect(p.b.balances.own).toBe(1n);
    expect(p.a.paymentStatus('late')).toMatchObject({ status: 'failed', reason: ChannelCode.PaymentTimeout });
    expect((await refusal(p.a.pay(40n, { id: 'late' }))).code).toBe(ChannelCode.PaymentTimeout);
    p.close();
  });

  it('a payment in flight when its timeout passes is reported pending, then its real outcome', async () => {
    const p = await openPair({ backend, balanceA: 1_000n, config: { retransmitMs: 20 } });
    const send = p.endB.send.bind(p.endB);
    p.endB.send = () => undefined; // the payee's answers are lost for now
    const e = await refusal(p.a.pay(9n, { id: 'slow', timeoutMs: 60 }));
    expect(e).toBeInstanceOf(PaymentPendingError);
    expect(p.a.paymentStatus('slow')?.status).toBe('in-flight');
    p.endB.send = send; // the link heals; the retransmitted proposal completes
    const r = await p.a.pay(9n, { id: 'slow' });
    expect(r.nonce).toBe(1n);
    expect(p.a.paymentStatus('slow')?.status).toBe('completed');
    p.close();
  });

  it('a forged refusal fails the payment, and the proposal it named is never signed afterwards (the adopt-after-refusal attack)', async () => {
    const p = await openPair({ backend, balanceA: 1_000n, config: { retransmitMs: 1_000 } });
    // a man in the middle holds back the payee's signature and tells the payer "refused"
    let proposal: Extract<Message, { type: 'proposal' }> | null = null;
    let firstSig: Extract<Message, { type: 'signature' }> | null = null;
    const sendA = p.endA.send.bind(p.endA);
    p.endA.send = (m) => {
      if (m.type === 'proposal') proposal = m;
      sendA(m);
    };
    p.endB.send = (m) => {
      if (m.type === 'signature' && m.first) firstSig = m;
    };
    const paid = p.a.pay(30n, { id: 'victim' });
    while (firstSig === null) await sleep(2);
    const forged = { v: 2, type: 'error', channelId: toHex(p.a.channelId), code: 'CHANNEL_BALANCE_MISMATCH', message: 'refused', ref: toHex(proposal!.tag) };
    await p.a.receive(JSON.stringify(forged));
    const e = await refusal(paid);
    expect(e.code).toBe('CHANNEL_BALANCE_MISMATCH');
    expect(p.a.paymentStatus('victim')).toMatchObject({ status: 'failed' });
    // now the payee's real signature arrives, with the state and our tag (a restart's adopt path)
    const sig = firstSig as Extract<Message, { type: 'signature' }>;
    const replay = encodeMessage({ ...sig, state: proposal!.state, tag: proposal!.tag });
    expect((await refusal(p.a.receive(replay))).code).toBe(ChannelCode.Abandoned);
    expect(p.a.latest.state.nonce).toBe(0n);
    expect(p.a.paymentStatus('victim')?.status).toBe('failed');
    expect(parseMessage(replay).type).toBe('signature');
    p.close();
  });
});

describe('payments bind application data (PROTOCOL §3)', () => {
  it('each payment with data gets a state of its own that carries it; payments without data still batch', async () => {
    const byNonce = new Map<bigint, ChannelState>();
    const p = await openPair({ backend, balanceA: 1_000n, configB: { onState: (s) => byNonce.set(s.state.nonce, s.state) } });
    const request = new Uint8Array(32).fill(0xa1);
    const move = new Uint8Array(32).fill(0xb2);
    const [first, r1, r2, last] = await Promise.all([
      p.a.pay(1n), p.a.pay(5n, { data: request }), p.a.pay(6n, { data: move }), p.a.pay(2n),
    ]);
    await settle(p);
    expect(new Set([first.nonce, r1.nonce, r2.nonce]).size, 'the data payments were not folded together').toBe(3);
    expect(byNonce.get(r1.nonce)?.data).toEqual(request);
    expect(byNonce.get(r2.nonce)?.data).toEqual(move);
    expect(byNonce.get(first.nonce)?.data).toEqual(NO_DATA);
    expect(byNonce.get(last.nonce)?.data).toEqual(NO_DATA);
    expect(p.b.balances.own).toBe(14n);
    p.close();
  });

  it('refuses data that is not 32 bytes before anything is queued', async () => {
    const p = await openPair({ backend, balanceA: 1_000n });
    for (const data of [new Uint8Array(31), new Uint8Array(33), 'ab'.repeat(32) as unknown as Uint8Array]) {
      const e = await refusal(p.a.pay(5n, { data }));
      expect(e).toBeInstanceOf(UsageError);
      expect(e.code).toBe(ChannelCode.BadOps);
    }
    expect(p.a.busy).toBe(false);
    expect(p.a.latest.state.nonce).toBe(0n);
    p.close();
  });
});

describe('HTLC secrets are kept (PROTOCOL §5, §8)', () => {
  const secret = new Uint8Array(32).fill(0x51);
  const hash = sha256(secret);

  it('after a restart, the receiver still refuses to give up an HTLC whose secret it learned', async () => {
    const storeB = new MemoryStore();
    const p = await openPair({ backend, balanceA: 1_000n, storeB, config: { tenureHeight: 50n } });
    await p.a.addHtlc({ hash, amount: 20n, expiry: 100n });
    await settle(p);
    await p.b.learnSecret(secret);
    p.b.close();
    const [, endB] = [p.endA, p.endB];
    const b = await Channel.open({ ...sideConfig('b', { backend, store: storeB, transport: endB }), tenureHeight: 101n });
    p.a.setChainTime({ burnHeight: 0n, tenureHeight: 101n });
    expect((await refusal(p.a.expireHtlc(hash))).code).toBe(ChannelCode.HtlcSecretKnown);
    expect((await refusal(b.failHtlc(hash))).code).toBe(ChannelCode.HtlcSecretKnown);
    expect(b.latest.state.htlcs).toHaveLength(1);
    expect(b.secretFor(hash)).toEqual(secret);
    b.close();
    p.close();
  });

  it('an intermediary has the secret stored and reported before it signs the downstream fulfil', async () => {
    const storeA = new MemoryStore();
    const order: string[] = [];
    const p = await openPair({
      backend, balanceA: 1_000n, storeA, config: { tenureHeight: 50n },
      configA: {
        onSecret: () => order.push('reported'),
        onSignature: (s) => order.push(`${s.first ? 'first' : 'last'} signature, secret ${storeA.secrets(p.a.channelId).has(toHex(hash)) ? 'kept' : 'missing'}`),
      },
    });
    await p.a.addHtlc({ hash, amount: 20n, expiry: 100n }); // A forwards downstream to B
    await settle(p);
    order.length = 0;
    await p.b.fulfilHtlc(secret); // B claims with the secret: A must be able to claim upstream
    await settle(p);
    expect(order).toEqual(['reported', 'first signature, secret kept']);
    expect(storeA.secrets(p.a.channelId).get(toHex(hash))).toEqual(secret);
    p.close();
  });
});
