// The node's invoice desk against stand-in channels: as the payee it fulfils exactly the
// HTLCs that pay an open invoice of its own as asked, and fails every other (a hash it
// never issued, too little, another token, an expiry it could not claim by, an expired
// or already paid invoice), each decided once; its secrets are durable before an invoice
// leaves it. As the payer it never judges a payment whose HTLC has not stood yet, so a
// state signed meanwhile for something else cannot fail it (and let it be paid twice).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../client/src/channel/channel.js';
import { CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { sha256 } from '../../client/src/crypto/sha256.js';
import { NodeEvents, type NodeEvent } from '../../client/src/node/events.js';
import { InvoiceLedger } from '../../client/src/node/invoice-ledger.js';
import { InvoiceDesk } from '../../client/src/node/invoices.js';
import type { ChannelManager } from '../../client/src/node/manager.js';
import { openChannelWith, type HeldChannel } from '../../client/src/node/open-channel-with.js';
import type { ChannelMeta } from '../../client/src/node/meta.js';
import { principalOf } from '../../client/src/peer/handshake.js';
import type { SignedState } from '../../client/src/store/types.js';
import { toHex } from '../../client/src/wire/json.js';
import { KEY_A, KEY_B, channelIdOf, openingState } from './fixtures/peers.js';

const SBTC = 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.sbtc-token';
const TENURE = 100n;
const WINDOW = 6n;
const NOW = 1_800_000_000;

interface FakeChannel {
  fulfilled: string[];
  failed: string[];
  added: { hash: string; amount: bigint; expiry: bigint }[];
  secrets: Map<string, Uint8Array>;
}

function fakeHeld(id: string, role: 'a' | 'b', token: string | null, peer: string) {
  const f: FakeChannel = { fulfilled: [], failed: [], added: [], secrets: new Map() };
  const channel = {
    fulfilHtlc: async (secret: Uint8Array) => {
      f.fulfilled.push(toHex(sha256(secret)));
      return {} as SignedState;
    },
    failHtlc: async (hash: Uint8Array) => {
      f.failed.push(toHex(hash));
      return {} as SignedState;
    },
    addHtlc: async (h: { hash: Uint8Array; amount: bigint; expiry: bigint }) => {
      f.added.push({ hash: toHex(h.hash), amount: h.amount, expiry: h.expiry });
      return {} as SignedState;
    },
    secretFor: (hash: Uint8Array) => f.secrets.get(toHex(hash)) ?? null,
    balances: { own: 1_000_000n, other: 0n },
    latest: { state: openingState(channelIdOf(1), 1_000_000n), hash: new Uint8Array(32), sigA: null, sigB: null },
  } as unknown as Channel;
  const meta = { id, peer, peerKey: '', role, token, window: WINDOW, opening: 1_000_000n, phase: 'open', createdTxid: '', createdAt: 0 } as ChannelMeta;
  return { held: { meta, channel }, f };
}

const stateWith = (htlcs: { hash: Uint8Array; amount: bigint; expiry: bigint; offeredByA: boolean }[]): SignedState =>
  ({ state: { ...openingState(channelIdOf(1), 1_000_000n), nonce: 5n, htlcs }, hash: new Uint8Array(32), sigA: null, sigB: null });

let dir: string;
let ledger: InvoiceLedger;
let events: NodeEvent[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitstream-desk-'));
  ledger = new InvoiceLedger(join(dir, 'invoices.db'));
  events = [];
});
afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

/** a peer's answer to a node request (forward-policy, forward), by kind */
type Answers = Record<string, (body: unknown) => unknown>;

function desk(key: Uint8Array, helds: { meta: ChannelMeta; channel: Channel }[], clock = { now: NOW }, o: { answers?: Answers; peerUrl?: string | null } = {}) {
  const e = new NodeEvents();
  e.on((x) => events.push(x));
  const manager = {
    all: () => helds, find: (id: string) => helds.find((h) => h.meta.id === id) ?? null, entry: (id: string) => helds.find((h) => h.meta.id === id)!,
    heights: { burn: 50n, tenure: TENURE }, peerConnected: () => true,
    openWith: (peer: string, token: string | null, ok: (h: HeldChannel) => boolean) => openChannelWith(helds as unknown as HeldChannel[], { peer, token, ok, connected: () => true }),
    sessionOf: (peer: string) => ({
      publicKey: HUB_KEY_PUB, principal: peer,
      request: async (kind: string, body: unknown) => {
        const a = o.answers?.[kind];
        if (a === undefined) throw new Error(`${kind}: no answer`);
        return a(body);
      },
    }),
  } as unknown as ChannelManager;
  const publicKey = nobleBackend.publicKeyOf(key);
  return new InvoiceDesk({
    ledger, manager, self: { principal: principalOf(publicKey, CHAIN_ID_TESTNET), publicKey, sign: (h) => nobleBackend.sign(h, key) },
    recover: (h, s) => nobleBackend.recover(h, s), chainId: CHAIN_ID_TESTNET, peerUrl: () => (o.peerUrl === undefined ? 'ws://127.0.0.1:1' : o.peerUrl), events: e,
    log: pino({ level: 'silent' }), now: () => clock.now,
  });
}

const flush = () => new Promise((r) => setTimeout(r, 10));
const HUB_KEY = sha256(new TextEncoder().encode('invoice-desk-hub'));
const HUB_KEY_PUB = nobleBackend.publicKeyOf(HUB_KEY);
const HUB = principalOf(HUB_KEY_PUB, CHAIN_ID_TESTNET);

describe('the payee settles incoming HTLCs', () => {
  const payer = principalOf(nobleBackend.publicKeyOf(KEY_A), CHAIN_ID_TESTNET);
  // the payee is side b: HTLCs the peer (a) offers have offeredByA = true
  const enough = TENURE + WINDOW + 12n;

  it('keeps the secret before the invoice leaves, and fulfils an HTLC that pays it as asked, once', async () => {
    const { held, f } = fakeHeld('c1', 'b', null, payer);
    const d = desk(KEY_B, [held]);
    const inv = await d.issue({ amount: 500n, token: null });
    const row = ledger.issued(toHex(inv.paymentHash))!;
    expect(toHex(sha256(Buffer.from(row.secret, 'hex')))).toBe(toHex(inv.paymentHash));
    const s = stateWith([{ hash: inv.paymentHash, amount: 500n, expiry: enough, offeredByA: true }]);
    d.onState('c1', s);
    d.onState('c1', s); // the same HTLC in a later state: decided once
    await flush();
    expect(f.fulfilled).toEqual([toHex(inv.paymentHash)]);
    expect(f.failed).toEqual([]);
    expect(ledger.issued(toHex(inv.paymentHash))!.status).toBe('paid');
    expect(events.some((e) => e.type === 'invoice.paid')).toBe(true);
  });

  it('fails every HTLC that does not pay an open invoice as asked', async () => {
    const { held, f } = fakeHeld('c1', 'b', null, payer);
    const sbtc = fakeHeld('c2', 'b', SBTC, payer);
    const d = desk(KEY_B, [held, sbtc.held]);
    const under = await d.issue({ amount: 500n, token: null });
    const tooSoon = await d.issue({ amount: 500n, token: null });
    const token = await d.issue({ amount: 500n, token: null });
    const paid = await d.issue({ amount: 500n, token: null });
    ledger.markIssuedPaid(toHex(paid.paymentHash), 'c9', 1);
    const unknown = sha256(new Uint8Array(32).fill(9));
    d.onState('c1', stateWith([
      { hash: under.paymentHash, amount: 499n, expiry: enough, offeredByA: true },
      { hash: tooSoon.paymentHash, amount: 500n, expiry: enough - 1n, offeredByA: true },
      { hash: paid.paymentHash, amount: 500n, expiry: enough, offeredByA: true },
      { hash: unknown, amount: 500n, expiry: enough, offeredByA: true },
    ]));
    d.onState('c2', stateWith([{ hash: token.paymentHash, amount: 500n, expiry: enough, offeredByA: true }]));
    await flush();
    expect(f.fulfilled).toEqual([]);
    expect(f.failed.sort()).toEqual([under, tooSoon, paid].map((i) => toHex(i.paymentHash)).concat(toHex(unknown)).sort());
    expect(sbtc.f.failed).toEqual([toHex(token.paymentHash)]);
    expect(ledger.issued(toHex(under.paymentHash))!.status).toBe('open');
  });

  it('carries on a claim an earlier run began on the same channel; a refused claim reopens the invoice', async () => {
    const { held, f } = fakeHeld('c1', 'b', null, payer);
    const d = desk(KEY_B, [held]);
    const begun = await d.issue({ amount: 5n, token: null });
    ledger.markIssuedPaid(toHex(begun.paymentHash), 'c1', 1); // as a crash between marking and the claim leaves it
    d.onState('c1', stateWith([{ hash: begun.paymentHash, amount: 5n, expiry: enough, offeredByA: true }]));
    await flush();
    expect(f.fulfilled).toEqual([toHex(begun.paymentHash)]);
    expect(f.failed).toEqual([]);

    const refused = await d.issue({ amount: 5n, token: null });
    (held.channel as unknown as { fulfilHtlc: () => Promise<never> }).fulfilHtlc = () => Promise.reject(new Error('HTLC expired'));
    d.onState('c1', stateWith([{ hash: refused.paymentHash, amount: 5n, expiry: enough, offeredByA: true }]));
    await flush();
    expect(ledger.issued(toHex(refused.paymentHash))!.status).toBe('open');
  });

  it('fails an HTLC on an expired invoice, and leaves HTLCs it offered itself alone', async () => {
    const { held, f } = fakeHeld('c1', 'b', null, payer);
    const clock = { now: NOW };
    const d = desk(KEY_B, [held], clock);
    const old = await d.issue({ amount: 5n, token: null, expirySeconds: 60 });
    clock.now = NOW + 60;
    const ours = sha256(new Uint8Array(32).fill(3));
    d.onState('c1', stateWith([
      { hash: old.paymentHash, amount: 5n, expiry: enough, offeredByA: true },
      { hash: ours, amount: 5n, expiry: enough, offeredByA: false },
    ]));
    await flush();
    expect(f.failed).toEqual([toHex(old.paymentHash)]);
    expect(f.fulfilled).toEqual([]);
  });
});

describe('the payer', () => {
  const payeeKey = KEY_B;
  const payee = principalOf(nobleBackend.publicKeyOf(payeeKey), CHAIN_ID_TESTNET);

  it('offers the HTLC with the expiry the invoice needs, and is paid once it learns the secret', async () => {
    const payeeDesk = desk(payeeKey, []);
    const inv = await payeeDesk.issue({ amount: 700n, token: null, finalExpiryDelta: 20 });
    const { held, f } = fakeHeld('c1', 'a', null, payee);
    const d = desk(KEY_A, [held]);
    const paying = d.pay(inv.text, { timeoutMs: 2_000 });
    await flush();
    expect(f.added).toEqual([{ hash: toHex(inv.paymentHash), amount: 700n, expiry: TENURE + WINDOW + 20n + 3n }]);
    const secret = Buffer.from(ledger.issued(toHex(inv.paymentHash))!.secret, 'hex');
    d.onSecret('c1', inv.paymentHash, secret);
    await expect(paying).resolves.toMatchObject({ status: 'paid', secret: secret.toString('hex') });
    await expect(d.pay(inv.text)).rejects.toMatchObject({ code: 'NODE_INVOICE_PAID' });
  });

  it('a state without its HTLC, before the HTLC has stood, does not fail the payment', async () => {
    const payeeDesk = desk(payeeKey, []);
    const inv = await payeeDesk.issue({ amount: 700n, token: null });
    const { held, f } = fakeHeld('c1', 'a', null, payee);
    const d = desk(KEY_A, [held]);
    const paying = d.pay(inv.text, { timeoutMs: 300 });
    // another payment's state, signed while ours is still being proposed
    d.onState('c1', stateWith([]));
    await expect(paying).rejects.toMatchObject({ code: 'PAYMENT_PENDING' });
    expect(ledger.outgoing(toHex(inv.paymentHash))!.status).toBe('in-flight');
    // it stands, then leaves without a secret: the payee failed it
    d.onState('c1', stateWith([{ hash: inv.paymentHash, amount: 700n, expiry: 999n, offeredByA: true }]));
    d.onState('c1', stateWith([]));
    expect(ledger.outgoing(toHex(inv.paymentHash))!).toMatchObject({ status: 'failed', reason: 'the payee failed the HTLC' });
    expect(f.added).toHaveLength(1);
  });

  it('an HTLC offer the peer never signs (it went offline mid-proposal) is pending at the caller\'s time, and ends when the offer does', async () => {
    const payeeDesk = desk(payeeKey, []);
    for (const end of ['refused', 'signed'] as const) {
      const inv = await payeeDesk.issue({ amount: 700n, token: null });
      const { held } = fakeHeld('c1', 'a', null, payee);
      let settle!: { resolve: (s: SignedState) => void; reject: (e: unknown) => void };
      (held.channel as unknown as { addHtlc: () => Promise<SignedState> }).addHtlc = () => new Promise((resolve, reject) => (settle = { resolve, reject }));
      const d = desk(KEY_A, [held]);
      const paying = d.pay(inv.text, { timeoutMs: 200 });
      await expect(paying).rejects.toMatchObject({ code: 'PAYMENT_PENDING', message: expect.stringContaining('has not signed the HTLC offer') as string, details: { paymentHash: toHex(inv.paymentHash) } });
      expect(ledger.outgoing(toHex(inv.paymentHash))!.status).toBe('in-flight');
      if (end === 'refused') {
        // the channel refused the offer in the end: it never stood, nothing is locked
        settle.reject(Object.assign(new Error('peer refused'), { code: 'PEER_REFUSED' }));
        await flush();
        expect(ledger.outgoing(toHex(inv.paymentHash))!).toMatchObject({ status: 'failed', reason: 'PEER_REFUSED: peer refused' });
      } else {
        // signed once the peer was back: the HTLC stands, the payment is still in flight until the payee settles
        settle.resolve({} as SignedState);
        await flush();
        expect(events.some((e) => e.type === 'invoice.htlc' && e.paymentHash === toHex(inv.paymentHash))).toBe(true);
        expect(ledger.outgoing(toHex(inv.paymentHash))!.status).toBe('in-flight');
      }
    }
  });

  it('refuses to pay its own invoice, and an invoice with no channel to the payee', async () => {
    const { held } = fakeHeld('c1', 'a', null, 'ST000000000000000000002AMW42H');
    const d = desk(KEY_A, [held]);
    const own = await d.issue({ amount: 1n, token: null });
    expect(() => d.quote(own.text)).toThrow(expect.objectContaining({ code: 'NODE_BAD_REQUEST' }) as Error);
    const other = await desk(payeeKey, []).issue({ amount: 1n, token: null });
    expect(() => d.quote(other.text)).toThrow(expect.objectContaining({ code: 'NODE_NO_ROUTE' }) as Error);
    expect(ledger.outgoing(toHex(other.paymentHash))).toBeNull();
  });
});

describe('through a hub', () => {
  const policy = { url: 'ws://hub:1', feeBase: '2', feePpm: 10_000, expiryDelta: 6 };

  it('the payee names a forwarding peer that holds the amount towards it; one that does not forward is left out', async () => {
    const fromHub = fakeHeld('h1', 'b', null, HUB);
    (fromHub.held.channel as unknown as { balances: object }).balances = { own: 0n, other: 5_000n };
    const d = desk(KEY_B, [fromHub.held], { now: NOW }, { answers: { 'forward-policy': () => policy } });
    const inv = await d.issue({ amount: 1_000n, token: null });
    expect(inv.hints).toEqual([{ hubKey: HUB_KEY_PUB, hubUrl: 'ws://hub:1', feeBase: 2n, feePpm: 10_000, expiryDelta: 6 }]);
    const none = desk(KEY_B, [fromHub.held], { now: NOW }, { answers: {} });
    expect((await none.issue({ amount: 1_000n, token: null })).hints).toEqual([]);
    // and a node that takes no peers issues nothing: nobody could pay it
    await expect(desk(KEY_B, [], { now: NOW }, { peerUrl: null }).issue({ amount: 1n, token: null })).rejects.toMatchObject({ code: 'NODE_CHANNEL_STATE' });
  });

  it('the payer refuses a hub that asks more than its hint, or answers nonsense; nothing is offered, the payment can be tried again', async () => {
    const fromHub = fakeHeld('h1', 'b', null, HUB);
    (fromHub.held.channel as unknown as { balances: object }).balances = { own: 0n, other: 5_000n };
    const inv = await desk(KEY_B, [fromHub.held], { now: NOW }, { answers: { 'forward-policy': () => policy } }).issue({ amount: 1_000n, token: null });
    const toHub = fakeHeld('a1', 'a', null, HUB);
    for (const answer of [() => ({ fee: '13', outExpiry: '1' }), () => ({ nonsense: true })]) {
      const d = desk(KEY_A, [toHub.held], { now: NOW }, { answers: { forward: answer } });
      expect(d.quote(inv.text)).toMatchObject({ fee: 12n, total: 1_012n, route: { hub: { principal: HUB } } });
      await expect(d.pay(inv.text, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'PAYMENT_FAILED' });
      expect(toHub.f.added).toEqual([]);
      expect(ledger.outgoing(toHex(inv.paymentHash))!.status).toBe('failed');
    }
  });
});
