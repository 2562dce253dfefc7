// The hub's forwarder against stand-in channels: it quotes only a forward it can carry
// (its channel to the payee, an expiry the payee and the channel rule accept) and
// records it; it forwards only the HTLC of the peer that asked, carrying amount + fee,
// with the expiry it promised; downstream fulfilment fulfils upstream with the secret,
// downstream failure fails upstream, and a downstream HTLC not seen yet is never
// refunded upstream (that would pay the payee with the hub's money).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../client/src/channel/channel.js';
import { CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { sha256 } from '../../client/src/crypto/sha256.js';
import { createInvoice, readInvoice, type Invoice } from '../../client/src/invoice/sign.js';
import { NodeEvents } from '../../client/src/node/events.js';
import { Forwarder } from '../../client/src/node/forwarder.js';
import { InvoiceLedger } from '../../client/src/node/invoice-ledger.js';
import type { InvoiceDesk } from '../../client/src/node/invoices.js';
import type { ChannelManager } from '../../client/src/node/manager.js';
import { openChannelWith, type HeldChannel } from '../../client/src/node/open-channel-with.js';
import type { ChannelMeta } from '../../client/src/node/meta.js';
import { principalOf } from '../../client/src/peer/handshake.js';
import type { PeerSession } from '../../client/src/peer/session.js';
import type { SignedState } from '../../client/src/store/types.js';
import { toHex } from '../../client/src/wire/json.js';
import { channelIdOf, openingState } from './fixtures/peers.js';

const key = (n: number) => sha256(new TextEncoder().encode(`forwarder-test-${n}`));
const principal = (n: number) => principalOf(nobleBackend.publicKeyOf(key(n)), CHAIN_ID_TESTNET);
const HUB = principal(0);
const PAYER = principal(1);
const PAYEE = principal(2);
const TENURE = 100n;
const WINDOW = 6n;
const DELTA = 6;
const SECRET = new Uint8Array(32).fill(5);
const HASH = sha256(SECRET);

interface Fake { added: { amount: bigint; expiry: bigint }[]; fulfilled: Uint8Array[]; failed: string[]; secrets: Map<string, Uint8Array>; htlcs: SignedState['state']['htlcs'] }

function held(id: string, role: 'a' | 'b', peer: string, own = 1_000_000n, token: string | null = null) {
  const f: Fake = { added: [], fulfilled: [], failed: [], secrets: new Map(), htlcs: [] };
  const channel = {
    addHtlc: async (h: { amount: bigint; expiry: bigint }) => {
      f.added.push({ amount: h.amount, expiry: h.expiry });
      return {} as SignedState;
    },
    fulfilHtlc: async (s: Uint8Array) => {
      f.fulfilled.push(s);
      return {} as SignedState;
    },
    failHtlc: async (h: Uint8Array) => {
      f.failed.push(toHex(h));
      return {} as SignedState;
    },
    secretFor: (h: Uint8Array) => f.secrets.get(toHex(h)) ?? null,
    balances: { own, other: 0n },
    get latest() {
      return { state: { ...openingState(channelIdOf(1), 1_000_000n), htlcs: f.htlcs } };
    },
    busy: false,
  } as unknown as Channel;
  const meta = { id, peer, peerKey: '', role, token, window: WINDOW, opening: 1_000_000n, phase: 'open', createdTxid: '', createdAt: 0 } as ChannelMeta;
  return { h: { meta, channel }, f };
}

let dir: string;
let ledger: InvoiceLedger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitstream-fwd-'));
  ledger = new InvoiceLedger(join(dir, 'invoices.db'));
});
afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

function hub(helds: { meta: ChannelMeta; channel: Channel }[], enabled = true) {
  const served = new Map<string, (body: unknown, s: PeerSession) => unknown>();
  const followers: { onState(id: string, s: SignedState): void; onSecret(id: string, h: Uint8Array, s: Uint8Array): void }[] = [];
  const manager = {
    serve: (k: string, fn: (body: unknown, s: PeerSession) => unknown) => served.set(k, fn), follow: (f: (typeof followers)[number]) => followers.push(f),
    all: () => helds, find: (id: string) => helds.find((x) => x.meta.id === id) ?? null, heights: { burn: 1n, tenure: TENURE }, peerConnected: () => true,
    openWith: (peer: string, token: string | null, ok: (h: HeldChannel) => boolean) => openChannelWith(helds as unknown as HeldChannel[], { peer, token, ok, connected: () => true }),
  } as unknown as ChannelManager;
  const invoices = { read: (t: string) => readInvoice(t, (h, s) => nobleBackend.recover(h, s), { chainId: CHAIN_ID_TESTNET }) } as unknown as InvoiceDesk;
  const fwd = new Forwarder({
    ledger, manager, invoices, policy: { enabled, feeBase: 2n, feePpm: 10_000, expiryDelta: DELTA, rates: [RATE] }, self: HUB, peerUrl: () => 'ws://hub:1',
    events: new NodeEvents(), log: pino({ level: 'silent' }),
  });
  const ask = (kind: string, body: unknown, from = PAYER) => served.get(kind)!(body, { principal: from } as PeerSession);
  return { fwd, ask };
}

const SBTC = 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.sbtc-token';
/** the hub takes 3,000 µSTX for every 2 sats it pays out (and makes no other swap) */
const RATE = { inToken: null, outToken: SBTC, inUnits: 3_000n, outUnits: 2n };

const invoiceOf = (amount: bigint, payee = 2, token: string | null = null): Promise<Invoice> => createInvoice({
  chainId: CHAIN_ID_TESTNET, paymentHash: HASH, amount, token, createdAt: Math.floor(Date.now() / 1000), expirySeconds: 3600,
  payeeKey: nobleBackend.publicKeyOf(key(payee)), payeeUrl: 'ws://payee:1', memo: '', finalExpiryDelta: 6, hints: [],
}, (h) => nobleBackend.sign(h, key(payee)));

/** the lowest upstream expiry the hub takes: the payee's need plus the hub's delta */
const LOW = TENURE + WINDOW + 6n + BigInt(DELTA);
const upHtlc = (amount: bigint, expiry = LOW) => ({ hash: HASH, amount, expiry, offeredByA: true });
const stateOf = (htlcs: SignedState['state']['htlcs']) => ({ state: { ...openingState(channelIdOf(1), 1n), htlcs } }) as SignedState;
const flush = () => new Promise((r) => setTimeout(r, 5));

describe('quoting a forward', () => {
  it('states its policy, and refuses when it does not forward', () => {
    expect(hub([]).ask('forward-policy', {})).toEqual({ url: 'ws://hub:1', feeBase: '2', feePpm: 10_000, expiryDelta: DELTA });
    expect(() => hub([], false).ask('forward-policy', {})).toThrow(expect.objectContaining({ code: 'NODE_OPEN_REFUSED' }) as Error);
  });

  it('quotes base + rate and records the offer once; refuses bad bodies, no route, a short expiry, its own invoice', async () => {
    const out = held('out', 'a', PAYEE);
    const { ask } = hub([out.h]);
    const inv = await invoiceOf(1_000n);
    expect(() => ask('forward', { invoice: inv.text })).toThrow(expect.objectContaining({ code: 'NODE_BAD_REQUEST' }) as Error);
    expect(() => ask('forward', { invoice: inv.text, expiry: String(LOW - 1n) })).toThrow(expect.objectContaining({ code: 'NODE_NO_ROUTE' }) as Error);
    expect(ask('forward', { invoice: inv.text, expiry: String(LOW) })).toEqual({ fee: '12', outExpiry: String(LOW - BigInt(DELTA)), inAmount: '1012' });
    expect(ledger.forward(toHex(HASH))).toMatchObject({ status: 'offered', payer: PAYER, amount: 1_000n, fee: 12n });
    // the same payer may ask again; another peer may not take the offer over
    expect(ask('forward', { invoice: inv.text, expiry: String(LOW) })).toMatchObject({ fee: '12' });
    expect(() => ask('forward', { invoice: inv.text, expiry: String(LOW) }, principal(9))).toThrow(expect.objectContaining({ code: 'NODE_INVOICE_PAID' }) as Error);
    const tooMuch = await invoiceOf(2_000_000n);
    expect(() => ask('forward', { invoice: tooMuch.text, expiry: String(LOW) })).toThrow(expect.objectContaining({ code: 'NODE_NO_ROUTE' }) as Error);
    const own = await invoiceOf(1n, 0);
    expect(() => ask('forward', { invoice: own.text, expiry: String(LOW) })).toThrow(expect.objectContaining({ code: 'NODE_BAD_REQUEST' }) as Error);
  });
});

describe('forwarding the HTLC', () => {
  async function offered() {
    const up = held('up', 'b', PAYER);
    const out = held('out', 'a', PAYEE);
    const { fwd, ask } = hub([up.h, out.h]);
    ask('forward', { invoice: (await invoiceOf(1_000n)).text, expiry: String(LOW + 4n) });
    return { fwd, up, out };
  }

  it('forwards the asking peer\'s HTLC of amount + fee, its expiry shortened by the delta', async () => {
    const { fwd, up, out } = await offered();
    expect(fwd.take(up.h, upHtlc(1_012n, LOW + 4n))).toBe(true);
    await flush();
    expect(out.f.added).toEqual([{ amount: 1_000n, expiry: LOW + 4n - BigInt(DELTA) }]);
    expect(ledger.forward(toHex(HASH))).toMatchObject({ status: 'forwarding', inChannel: 'up' });
    expect(up.f.failed).toEqual([]);
  });

  it('fails upstream an HTLC from another peer, one short of the fee, or one expiring sooner than promised; nothing goes out', async () => {
    for (const [who, htlc] of [[principal(9), upHtlc(1_012n, LOW + 4n)], [PAYER, upHtlc(1_011n, LOW + 4n)], [PAYER, upHtlc(1_012n, LOW + 3n)]] as const) {
      const { fwd, out } = await offered();
      const up = held('up', 'b', who);
      expect(fwd.take(up.h, htlc)).toBe(true);
      await flush();
      expect(up.f.failed).toEqual([toHex(HASH)]);
      expect(out.f.added).toEqual([]);
      expect(ledger.forward(toHex(HASH))!.status).toBe('failed');
    }
  });

  it('an HTLC nobody asked to forward is not taken', async () => {
    const up = held('up', 'b', PAYER);
    expect(hub([up.h]).fwd.take(up.h, upHtlc(5n))).toBe(false);
  });

  it('downstream fulfilment fulfils upstream with the secret; downstream failure fails upstream', async () => {
    const a = await offered();
    a.fwd.take(a.up.h, upHtlc(1_012n, LOW + 4n));
    a.up.f.htlcs = [upHtlc(1_012n, LOW + 4n)];
    a.fwd.onSecret('out', HASH, SECRET);
    await flush();
    expect(a.up.f.fulfilled).toEqual([SECRET]);
    expect(ledger.forward(toHex(HASH))!.status).toBe('settled');
  });

  it('after a restart, offers again a downstream HTLC whose proposal was lost; a refused re-offer fails nothing upstream', async () => {
    const a = await offered();
    a.fwd.take(a.up.h, upHtlc(1_012n, LOW + 4n));
    await flush();
    expect(a.out.f.added).toHaveLength(1);
    a.up.f.htlcs = [upHtlc(1_012n, LOW + 4n)];
    // the next run: the record says forwarding, the downstream channel shows no HTLC and no secret
    a.fwd.resume();
    await flush();
    expect(a.out.f.added).toEqual([{ amount: 1_000n, expiry: LOW + 4n - BigInt(DELTA) }, { amount: 1_000n, expiry: LOW + 4n - BigInt(DELTA) }]);
    // refused (e.g. the payee had signed the lost one and the channel adopted it: a duplicate)
    (a.out.h.channel as unknown as { addHtlc: () => Promise<never> }).addHtlc = () => Promise.reject(Object.assign(new Error('duplicate'), { code: 'HTLC_DUPLICATE' }));
    a.fwd.resume();
    await flush();
    expect(a.up.f.failed).toEqual([]);
    expect(ledger.forward(toHex(HASH))!.status).toBe('forwarding');
    // standing downstream: nothing offered again
    a.out.f.htlcs = [{ hash: HASH, amount: 1_000n, expiry: LOW - 2n, offeredByA: true }];
    const before = a.out.f.added.length;
    a.fwd.resume();
    await flush();
    expect(a.out.f.added).toHaveLength(before);
  });

  it('fails upstream only after the downstream HTLC stood and left without a secret', async () => {
    const a = await offered();
    a.fwd.take(a.up.h, upHtlc(1_012n, LOW + 4n));
    a.up.f.htlcs = [upHtlc(1_012n, LOW + 4n)];
    // a state of the downstream channel without our HTLC, before it stood: not judged
    a.fwd.onState('out', stateOf([]));
    await flush();
    expect(a.up.f.failed).toEqual([]);
    a.fwd.onState('out', stateOf([{ hash: HASH, amount: 1_000n, expiry: LOW - 2n, offeredByA: true }]));
    a.fwd.onState('out', stateOf([]));
    await flush();
    expect(a.up.f.failed).toEqual([toHex(HASH)]);
    expect(a.up.f.fulfilled).toEqual([]);
  });
});

describe('swaps: a forward with another token coming in (PROTOCOL §5)', () => {
  it('quotes its rate to a peer it holds the amount towards, rounded up; refuses a pair it has no rate for, and a short channel', () => {
    const out = held('out', 'a', PAYER, 1_000_000n, SBTC);
    const { ask } = hub([out.h]);
    expect(ask('swap-quote', { inToken: null, outToken: SBTC, outAmount: '1001' })).toEqual({ inAmount: '1501500', inUnits: '3000', outUnits: '2', expiryDelta: DELTA });
    expect(ask('swap-quote', { inToken: null, outToken: SBTC, outAmount: '1' })).toMatchObject({ inAmount: '1500' });
    expect(() => ask('swap-quote', { inToken: SBTC, outToken: null, outAmount: '1000' })).toThrow(expect.objectContaining({ code: 'NODE_NO_ROUTE' }) as Error);
    expect(() => ask('swap-quote', { inToken: null, outToken: SBTC, outAmount: '1000001' })).toThrow(expect.objectContaining({ code: 'NODE_NO_ROUTE' }) as Error);
    expect(() => ask('swap-quote', { inToken: null, outToken: SBTC, outAmount: '0' })).toThrow(expect.objectContaining({ code: 'NODE_BAD_REQUEST' }) as Error);
    expect(() => ask('swap-quote', { inToken: 'nonsense', outToken: SBTC, outAmount: '5' })).toThrow(expect.objectContaining({ code: 'NODE_BAD_REQUEST' }) as Error);
    expect(() => hub([out.h], false).ask('swap-quote', { inToken: null, outToken: SBTC, outAmount: '5' })).toThrow(expect.objectContaining({ code: 'NODE_OPEN_REFUSED' }) as Error);
  });

  it('a forward asked in STX for an sBTC invoice costs the rate\'s price, no fee; only an STX HTLC carrying the price is forwarded', async () => {
    const inv = await invoiceOf(1_000n, 1, SBTC);
    for (const [token, amount, forwarded] of [[SBTC, 2_000_000n, false], [null, 1_499_999n, false], [null, 1_500_000n, true]] as const) {
      const up = held('up', 'b', PAYER, 1_000_000n, token);
      const out = held('out', 'a', PAYER, 1_000_000n, SBTC);
      const { fwd, ask } = hub([up.h, out.h]);
      expect(ask('forward', { invoice: inv.text, expiry: String(LOW + 4n), inToken: null })).toEqual({ fee: '0', outExpiry: String(LOW + 4n - BigInt(DELTA)), inAmount: '1500000' });
      expect(ledger.forward(toHex(HASH))).toMatchObject({ token: SBTC, inToken: null, amount: 1_000n, inAmount: 1_500_000n, fee: 0n });
      expect(fwd.take(up.h, upHtlc(amount, LOW + 4n))).toBe(true);
      await flush();
      expect(out.f.added).toEqual(forwarded ? [{ amount: 1_000n, expiry: LOW + 4n - BigInt(DELTA) }] : []);
      expect(up.f.failed).toEqual(forwarded ? [] : [toHex(HASH)]);
      ledger.endForward(toHex(HASH), 'failed', 'next case');
    }
  });

  it('refuses a swap it has no rate for, and a same-token forward still pays base + rate', async () => {
    const { ask } = hub([held('out', 'a', PAYER, 1_000_000n, null).h]);
    const stxInvoice = await invoiceOf(1_000n, 1, null);
    expect(() => ask('forward', { invoice: stxInvoice.text, expiry: String(LOW), inToken: SBTC })).toThrow(expect.objectContaining({ code: 'NODE_NO_ROUTE' }) as Error);
    expect(ask('forward', { invoice: stxInvoice.text, expiry: String(LOW), inToken: null })).toMatchObject({ fee: '12', inAmount: '1012' });
  });
});
