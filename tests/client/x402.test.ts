// x402 with the BitStream scheme, in one process: the official @x402 client (x402Client,
// @x402/fetch's wrapper) and resource server (@x402/hono's middleware) with the scheme
// registered, over loopback HTTP, paying on a channel whose messages ride the requests.
// Each rule that protects the server's or the client's money is attacked here: replays,
// another route, forged signatures, underpayment, caps.
import { x402Client, x402HTTPClient } from '@x402/core/client';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from '@x402/core/types';
import { wrapFetchWithPayment } from '@x402/fetch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../client/src/wire/json.js';
import { BitStreamClientScheme, Courier, Payer, paymentOf, PROPOSAL_HEADER, X402Code, X402Error, type SpendCaps } from '../../client/src/x402/index.js';
import { RefusalReason } from '../../client/src/x402/errors.js';
import { bindingData } from '../../client/src/x402/binding.js';
import { encodeProposalHeader } from '../../client/src/x402/forms.js';
import { PRINCIPAL_A, PRINCIPAL_B } from './fixtures/peers.js';
import { NET, OPENING, quotePrice, x402World, type X402World, type X402WorldOptions } from './fixtures/x402-world.js';

type World = X402World;
const world = (opts: X402WorldOptions = {}) => x402World({ record: true, ...opts });

function requiredOf(res: Response): PaymentRequired {
  const h = res.headers.get('payment-required');
  expect(h, 'a 402 carries PAYMENT-REQUIRED').not.toBeNull();
  return decodePaymentRequiredHeader(h!);
}

/** Run the payer's half by hand: a 402 with the offer, signed last, and the payload the wrapper would send. */
async function signedPayment(w: World, path: string): Promise<{ accept: PaymentRequirements; required: PaymentRequired; payload: PaymentPayload }> {
  const res = await w.payer.fetchWith(fetch)(`${w.base}${path}`);
  expect(res.status).toBe(402);
  const required = requiredOf(res);
  const accept = required.accepts[0]!;
  const payload: PaymentPayload = { x402Version: 2, resource: required.resource, accepted: accept, payload: { ...w.payer.payloadFor(accept) } };
  return { accept, required, payload };
}

/** Send a payment header the way an attacker would: raw, not through the wrapper. */
async function sendPayment(w: World, path: string, payload: PaymentPayload): Promise<Response> {
  return w.payer.fetchWith(fetch)(`${w.base}${path}`, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(payload) } });
}

function failureOf(res: Response): { errorReason?: string; errorMessage?: string } {
  const h = res.headers.get('payment-response');
  if (h !== null) return decodePaymentResponseHeader(h);
  return { errorReason: requiredOf(res).error };
}

function serverAt(w: World): { nonce: bigint; balanceB: bigint } {
  return { nonce: w.b.latest.state.nonce, balanceB: w.b.latest.state.balanceB };
}

describe('x402 with the BitStream scheme (official client and middleware)', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => {
    await w.close();
  });

  it('an unpaid request gets 402 with PAYMENT-REQUIRED naming the scheme, network, price, asset, payTo and the request', async () => {
    const res = await fetch(`${w.base}/weather?city=Lisbon`);
    expect(res.status).toBe(402);
    const required = requiredOf(res);
    expect(required.x402Version).toBe(2);
    expect(required.resource.url).toBe(`${w.base}/weather?city=Lisbon`);
    expect(required.accepts).toHaveLength(1);
    const accept = required.accepts[0]!;
    expect(accept).toMatchObject({ scheme: 'bitstream', network: 'stacks:2147483648', amount: '100', asset: 'STX', payTo: PRINCIPAL_B });
    expect(accept.extra).toEqual({ paymentFlow: 'upfront', request: { method: 'GET', path: '/weather?city=Lisbon' } });
    expect(w.served.size).toBe(0);
  });

  it('pays 300 requests over one channel through the wrapper; both sides agree to the unit and each receipt names its state', async () => {
    const n = 300;
    let requests = 0;
    let proposals = 0;
    let passed = 0;
    let prev: string | null = null;
    const learned = new Set<string>();
    for (let i = 0; i < n; i++) {
      const path = i % 3 === 2 ? '/joke' : '/weather';
      const res = await w.pay(`${w.base}${path}`);
      expect(res.status).toBe(200);
      const receipt = decodePaymentResponseHeader(res.headers.get('payment-response')!);
      expect(receipt.success).toBe(true);
      expect(receipt.transaction).toBe(`${toHex(w.b.channelId)}:${w.b.latest.state.nonce}`);
      expect(receipt.payer).toBe(PRINCIPAL_A);
      // the same URL again takes the server's offer (one request); another one passes over it and proposes
      if (prev === path) requests += 1;
      else {
        requests += learned.has(path) ? 2 : 3;
        proposals += 1;
        if (prev !== null) passed += 1;
      }
      learned.add(path);
      prev = path;
    }
    const expected = 200n * 100n + 100n * 250n;
    expect(w.b.latest.state.nonce).toBe(BigInt(n + passed)); // each offer passed over skips its nonce
    expect(w.b.latest.state.balanceB).toBe(expected);
    expect(w.a.latest.hash).toEqual(w.b.latest.hash);
    expect(w.a.balances.own).toBe(OPENING - expected);
    expect(w.payer.spent.total).toBe(expected);
    expect(w.served.get('/weather')).toBe(200);
    expect(w.served.get('/joke')).toBe(100);
    expect(w.seen.filter((r) => r.headers.has(PROPOSAL_HEADER)).length).toBe(proposals);
    expect(w.seen.length).toBe(requests);
  });

  it('a steady stream to one URL is one request a call: each response carries the server\'s offer of the next state', async () => {
    const n = 200;
    for (let i = 0; i < n; i++) expect((await w.pay(`${w.base}/weather`)).status).toBe(200);
    // the first call learns the price (402), proposes (402 with the offer) and pays; every later one only pays
    expect(w.seen.length).toBe(n + 2);
    expect(w.seen.filter((r) => r.headers.has(PROPOSAL_HEADER)).length).toBe(1);
    expect(w.seen.slice(3).every((r) => r.headers.has('payment-signature'))).toBe(true);
    expect(w.b.latest.state.nonce).toBe(BigInt(n));
    expect(w.b.latest.state.balanceB).toBe(BigInt(n) * 100n);
    expect(w.a.latest.hash).toEqual(w.b.latest.hash);
    expect(w.served.get('/weather')).toBe(n);
    // and the next state stands offered: signed first by the server, not by the client
    expect(w.b.offered?.state.nonce).toBe(BigInt(n + 1));
    expect(w.a.latest.state.nonce).toBe(BigInt(n));
  });

  it('a client that lost the server\'s offer is refused with bitstream_offer_standing, passes over it and pays at the nonce after', async () => {
    // the first response is lost on its way back (no PAYMENT-RESPONSE): no acknowledgement, no offer
    const blind: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const headers = new Headers(res.headers);
      headers.delete('payment-response');
      return new Response(await res.arrayBuffer(), { status: res.status, headers });
    };
    const refusals: string[] = [];
    const watching: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const required = res.headers.get('payment-required');
      const refusal = required === null ? undefined : decodePaymentRequiredHeader(required).accepts[0]?.extra['refusal'];
      if (refusal !== undefined) refusals.push((refusal as { reason: string }).reason);
      return res;
    };
    const client = new x402Client().register(NET, new BitStreamClientScheme(w.payer)).setSpendControls(false);
    expect((await wrapFetchWithPayment(w.payer.fetchWith(blind), client)(`${w.base}/weather`)).status).toBe(200);
    expect(w.b.offered?.state.nonce).toBe(2n);
    const seenBefore = w.seen.length;
    expect((await wrapFetchWithPayment(w.payer.fetchWith(watching), client)(`${w.base}/weather`)).status).toBe(200);
    expect(refusals).toEqual(['bitstream_offer_standing']);
    // refused at the offer's nonce, proposed at the one after, paid
    expect(w.seen.length - seenBefore).toBe(3);
    expect(w.b.latest.state.nonce).toBe(3n);
    expect(w.a.latest.hash).toEqual(w.b.latest.hash);
    expect(w.b.latest.state.balanceB).toBe(200n);
    expect(w.served.get('/weather')).toBe(2);
  });

  it('each paying state is bound to its request: its data is the binding of method, path, price and payment id', async () => {
    const { payload } = await signedPayment(w, '/weather');
    const res = await sendPayment(w, '/weather', payload);
    expect(res.status).toBe(200);
    const paymentId = (payload.payload as { paymentId: string }).paymentId;
    expect(toHex(w.b.latest.state.data)).toBe(toHex(bindingData({ method: 'GET', path: '/weather', amount: 100n, asset: 'STX', paymentId })));
  });

  it('a paid request that fails frees only the payment it carried: another signed payment stays ready', async () => {
    const held = await signedPayment(w, '/weather'); // signed last, its paid request not sent yet
    const other: PaymentPayload = { ...held.payload, payload: { ...held.payload.payload, nonce: '9', hash: '00'.repeat(32) } };
    const down: typeof fetch = () => Promise.reject(new Error('connection reset'));
    await expect(w.payer.fetchWith(down)(`${w.base}/weather`, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(other) } })).rejects.toThrow('connection reset');
    expect(w.payer.payloadFor(held.accept)).toEqual(held.payload.payload);
    expect((await sendPayment(w, '/weather', held.payload)).status).toBe(200);
  });

  it('a replayed payment is refused with 402 bitstream_replayed and nothing is served', async () => {
    const { payload } = await signedPayment(w, '/weather');
    expect((await sendPayment(w, '/weather', payload)).status).toBe(200);
    const before = serverAt(w);
    const again = await sendPayment(w, '/weather', payload);
    expect(again.status).toBe(402);
    expect(failureOf(again).errorReason).toBe('bitstream_replayed');
    expect(w.served.get('/weather')).toBe(1);
    expect(serverAt(w)).toEqual(before);
  });

  it('a payment made for one route is refused on another of the same price, as it stands and with its accepted terms rewritten', async () => {
    const { payload, accept } = await signedPayment(w, '/a');
    const before = serverAt(w);
    const as = await sendPayment(w, '/b', payload);
    expect(as.status).toBe(402);
    expect(requiredOf(as).error).toBe('No matching payment requirements');
    const rewritten: PaymentPayload = { ...payload, accepted: { ...accept, extra: { ...accept.extra, request: { method: 'GET', path: '/b' } } } };
    const forged = await sendPayment(w, '/b', rewritten);
    expect(forged.status).toBe(402);
    expect(failureOf(forged).errorReason).toBe('bitstream_other_request');
    expect(w.served.size).toBe(0);
    expect(serverAt(w)).toEqual(before);
    // the genuine request still pays with it
    expect((await sendPayment(w, '/a', payload)).status).toBe(200);
    expect(w.served.get('/a')).toBe(1);
  });

  it('a forged signature is refused with 402 bitstream_bad_signature and no state moves', async () => {
    const { payload } = await signedPayment(w, '/weather');
    const p = payload.payload as { signature: string };
    const flipped = (p.signature[10] === '0' ? '1' : '0') + '';
    const forged: PaymentPayload = { ...payload, payload: { ...payload.payload, signature: p.signature.slice(0, 10) + flipped + p.signature.slice(11) } };
    const before = serverAt(w);
    const res = await sendPayment(w, '/weather', forged);
    expect(res.status).toBe(402);
    expect(failureOf(res).errorReason).toBe('bitstream_bad_signature');
    expect(w.served.size).toBe(0);
    expect(serverAt(w)).toEqual(before);
  });

  it('a payload for a state never offered, and one that does not parse, are refused', async () => {
    const { payload } = await signedPayment(w, '/weather');
    const ahead: PaymentPayload = { ...payload, payload: { ...payload.payload, nonce: '7' } };
    const r1 = await sendPayment(w, '/weather', ahead);
    expect(failureOf(r1).errorReason).toBe('bitstream_no_offer');
    const junk: PaymentPayload = { ...payload, payload: { channelId: 'zz' } };
    const r2 = await sendPayment(w, '/weather', junk);
    expect(r2.status).toBe(402);
    expect(failureOf(r2).errorReason).toBe('bitstream_malformed');
    expect(w.served.size).toBe(0);
  });

  it('an underpaying proposal gets a refusal in its 402, no offer: the server signs nothing', async () => {
    // the client's channel proposes 50 for the 100 route (a client that does not follow the price)
    const paymentId = 'under-1';
    const data = bindingData({ method: 'GET', path: '/weather', amount: 50n, asset: 'STX', paymentId });
    const courier = (w.a as unknown as { cfg: { transport: Courier } }).cfg.transport;
    const proposed = courier.expect((m) => m.type === 'proposal', 2000);
    const paying = w.a.pay(50n, { id: paymentId, data });
    paying.catch(() => undefined);
    const proposal = await proposed.result;
    expect(proposal?.type).toBe('proposal');
    const res = await fetch(`${w.base}/weather`, {
      headers: { [PROPOSAL_HEADER]: encodeProposalHeader(toHex(w.a.channelId), paymentId, proposal as never) },
    });
    expect(res.status).toBe(402);
    const extra = requiredOf(res).accepts[0]!.extra;
    expect(extra['offer']).toBeUndefined();
    expect(extra['refusal']).toMatchObject({ reason: 'bitstream_wrong_amount' });
    expect(w.b.awaiting).toBeNull();
    expect(serverAt(w).nonce).toBe(0n);
  });

  it('a price that changed since it was remembered: the stale proposal is refused and abandoned, the new price paid once', async () => {
    quotePrice.value = 100;
    expect((await w.pay(`${w.base}/joke`)).status).toBe(200); // another URL's offer stands: /quote proposes
    expect((await w.pay(`${w.base}/quote`)).status).toBe(200);
    expect((await w.pay(`${w.base}/joke`)).status).toBe(200); // and passes over /quote's offer
    quotePrice.value = 150;
    const seenBefore = w.seen.length;
    expect((await w.pay(`${w.base}/quote`)).status).toBe(200);
    // the remembered 100 proposed and refused, 150 proposed and offered, then paid
    expect(w.seen.length - seenBefore).toBe(3);
    expect(w.b.latest.state.balanceB).toBe(250n + 250n + 250n);
    expect(w.a.latest.hash).toEqual(w.b.latest.hash);
    expect(w.payer.spent.total).toBe(750n);
    expect(w.served.get('/quote')).toBe(2);
  });

  it('a price that changed while the server\'s offer stood: the offer paid the old price unserved, provably, and the new price is paid once', async () => {
    quotePrice.value = 100;
    expect((await w.pay(`${w.base}/quote`)).status).toBe(200);
    const offered = w.b.offered;
    expect(offered).not.toBeNull();
    quotePrice.value = 150;
    const seenBefore = w.seen.length;
    expect((await w.pay(`${w.base}/quote`)).status).toBe(200);
    // the offer taken at 100 and refused (x402: no matching requirements), then 150 proposed and paid
    expect(w.seen.length - seenBefore).toBe(3);
    expect(w.served.get('/quote')).toBe(2);
    expect(w.b.latest.state.balanceB).toBe(100n + 100n + 150n);
    expect(w.a.latest.hash).toEqual(w.b.latest.hash);
    // the state that paid for nothing binds the request and payment id it was offered for
    const at = offered!.state.nonce;
    expect(w.a.latest.state.nonce).toBe(at + 1n);
    expect(w.payer.spent.total).toBe(350n);
  });

  it('a paid request lost on the way: the next proposal completes it, and its state binds the request it was for', async () => {
    await w.close();
    w = await world({ holdMs: 100 }); // the lost request held its channel's slot: not for long here
    const lost = await signedPayment(w, '/weather'); // signed last, never sent
    const offered = w.b.awaiting;
    expect(offered?.state.nonce).toBe(1n);
    expect((await w.pay(`${w.base}/joke`)).status).toBe(200);
    expect(w.b.latest.state.nonce).toBe(2n);
    expect(w.b.latest.state.balanceB).toBe(350n);
    expect(w.served.get('/weather')).toBeUndefined();
    const paymentId = (lost.payload.payload as { paymentId: string }).paymentId;
    expect(w.a.paymentStatus(paymentId)).toMatchObject({ status: 'completed', nonce: 1n });
    // the client's proof: state 1's data is the binding of GET /weather with that payment id
    expect(toHex(offered!.state.data)).toBe(toHex(bindingData({ method: 'GET', path: '/weather', amount: 100n, asset: 'STX', paymentId })));
  });

  it('a signed payment whose paid request never comes is forgotten when its hold runs out: the Payer keeps nothing for it', async () => {
    await w.close();
    w = await world({ holdMs: 100 });
    const lost = await signedPayment(w, '/weather');
    expect(w.payer.payloadFor(lost.accept)).toEqual(lost.payload.payload);
    await new Promise((r) => setTimeout(r, 200));
    expect(() => w.payer.payloadFor(lost.accept)).toThrow(X402Error);
    expect(() => w.payer.payloadFor(lost.accept)).toThrow('not one this Payer signed');
  });

  it('a malformed proposal header and one for an unknown channel are refused in the 402, nothing signed', async () => {
    const bad = await fetch(`${w.base}/weather`, { headers: { [PROPOSAL_HEADER]: 'not base64 json!' } });
    expect(bad.status).toBe(402);
    expect(requiredOf(bad).accepts[0]!.extra['refusal']).toMatchObject({ reason: 'bitstream_malformed' });
    const other = Buffer.from(JSON.stringify({ channelId: '11'.repeat(32), paymentId: 'x', proposal: {} })).toString('base64url');
    const unknown = await fetch(`${w.base}/weather`, { headers: { [PROPOSAL_HEADER]: other } });
    expect(requiredOf(unknown).accepts[0]!.extra['refusal']).toMatchObject({ reason: 'bitstream_unknown_channel' });
    expect(w.b.awaiting).toBeNull();
    expect(w.served.size).toBe(0);
  });
});

describe('retries with x402\'s payment-identifier (a route that declares it)', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => {
    await w.close();
  });

  /** The payload the official client builds for a 402 with our offer: the route's extension echoed with the id. */
  async function officialPayment(path: string): Promise<PaymentPayload> {
    const res = await w.payer.fetchWith(fetch)(`${w.base}${path}`);
    expect(res.status).toBe(402);
    const client = new x402Client().register(NET, new BitStreamClientScheme(w.payer));
    client.setSpendControls(false);
    return client.createPaymentPayload(requiredOf(res));
  }

  /** A fetch that delivers the first `drops` paid requests to the server and loses their responses. */
  function lossy(drops: number): typeof fetch {
    let left = drops;
    return async (input, init) => {
      const paid = new Request(input, init).headers.has('payment-signature');
      const res = await fetch(input, init);
      if (paid && left-- > 0) {
        await res.arrayBuffer();
        throw new TypeError('fetch failed: connection reset');
      }
      return res;
    };
  }

  const wrapped = (base: typeof fetch) => {
    const client = new x402Client().register(NET, new BitStreamClientScheme(w.payer));
    client.setSpendControls(false);
    return wrapFetchWithPayment(w.payer.fetchWith(base), client);
  };

  it('the 402 declares it and names the retries served; the payment carries the id its state binds', async () => {
    const payload = await officialPayment('/order');
    const accept = payload.accepted;
    expect(accept.extra['retries']).toBe(2);
    const paymentId = (payload.payload as { paymentId: string }).paymentId;
    expect(payload.extensions?.['payment-identifier']).toMatchObject({ info: { required: false, id: paymentId } });
    const plain = requiredOf(await fetch(`${w.base}/weather`));
    expect(plain.accepts[0]!.extra['retries']).toBeUndefined();
    expect(plain.extensions?.['payment-identifier']).toBeUndefined();
  });

  it('a paid request whose response is lost is sent again by the Payer: served twice, charged once', async () => {
    const res = await wrapped(lossy(1))(`${w.base}/order`);
    expect(res.status).toBe(200);
    expect(w.served.get('/order')).toBe(2); // the first was served, its response lost
    expect(serverAt(w)).toEqual({ nonce: 1n, balanceB: 100n });
    expect(w.a.latest.state.nonce).toBe(1n);
    expect(w.payer.spent.total).toBe(100n);
    const paid = w.seen.filter((r) => r.headers.has('payment-signature'));
    expect(paid).toHaveLength(2);
    expect(paid[0]!.headers.get('payment-signature')).toBe(paid[1]!.headers.get('payment-signature'));
    // what a handler keys its effects by: the same payment id on both
    const carried = paymentOf(paid[1]!.headers.get('payment-signature'));
    expect(carried).toMatchObject({ nonce: '1', paymentId: w.a.latest.state.nonce === 1n ? expect.stringMatching(/^x402-[0-9a-f]{24}$/) : '' });
    expect(paymentOf(null)).toBeNull();
    expect(paymentOf('not a header')).toBeNull();
    // the channel is free for the next payment
    expect((await w.pay(`${w.base}/order`)).status).toBe(200);
    expect(serverAt(w)).toEqual({ nonce: 2n, balanceB: 200n });
  });

  it('a paid request whose every retry is lost fails with the connection\'s error, after its retries; charged once', async () => {
    await expect(wrapped(lossy(3))(`${w.base}/order`)).rejects.toThrow('connection reset');
    expect(w.seen.filter((r) => r.headers.has('payment-signature'))).toHaveLength(3); // the first and its 2 retries
    expect(serverAt(w)).toEqual({ nonce: 1n, balanceB: 100n });
    expect((await w.pay(`${w.base}/order`)).status).toBe(200); // its channel is free again
  });

  it('on a route that does not declare it, a lost response is not sent again (the retry would be a replay)', async () => {
    await expect(wrapped(lossy(1))(`${w.base}/weather`)).rejects.toThrow('connection reset');
    expect(w.served.get('/weather')).toBe(1);
    expect(w.seen.filter((r) => r.headers.has('payment-signature'))).toHaveLength(1);
  });

  it('a retry is served its route\'s number of times, then refused as a replay; no state moves', async () => {
    const payload = await officialPayment('/order');
    expect((await sendPayment(w, '/order', payload)).status).toBe(200);
    const before = serverAt(w);
    expect((await sendPayment(w, '/order', payload)).status).toBe(200);
    expect((await sendPayment(w, '/order', payload)).status).toBe(200);
    const third = await sendPayment(w, '/order', payload);
    expect(third.status).toBe(402);
    expect(failureOf(third)).toMatchObject({ errorReason: 'bitstream_replayed' });
    expect(failureOf(third).errorMessage).toMatch(/retries are spent/);
    expect(w.served.get('/order')).toBe(3);
    expect(serverAt(w)).toEqual(before);
  });

  it('only the very payment is a retry: another id, another route, another signature, or once the channel moved on', async () => {
    const payload = await officialPayment('/order');
    expect((await sendPayment(w, '/order', payload)).status).toBe(200);
    const other = { ...payload, extensions: { 'payment-identifier': { info: { required: false, id: 'pay_0123456789abcdef0123' } } } };
    const noId = { ...payload, extensions: {} };
    const forged = { ...payload, payload: { ...payload.payload, signature: `${'11'.repeat(64)}00` } };
    for (const attempt of [other, noId, forged]) {
      const res = await sendPayment(w, '/order', attempt);
      expect(res.status).toBe(402);
      expect(failureOf(res).errorReason).toBe('bitstream_replayed');
    }
    const elsewhere = await sendPayment(w, '/weather', payload);
    expect(elsewhere.status).toBe(402);
    expect(w.served.get('/order')).toBe(1);
    expect(w.served.get('/weather')).toBeUndefined();
    expect((await w.pay(`${w.base}/order`)).status).toBe(200); // the channel moves on
    const stale = await sendPayment(w, '/order', payload);
    expect(stale.status).toBe(402);
    expect(failureOf(stale).errorReason).toBe('bitstream_replayed');
    expect(w.served.get('/order')).toBe(2);
    expect(serverAt(w)).toEqual({ nonce: 2n, balanceB: 200n });
  });
});

describe('the client\'s caps, checked before anything is proposed', () => {
  let w: World | null = null;
  afterEach(async () => {
    await w?.close();
    w = null;
  });

  async function refusedWith(caps: SpendCaps, code: string, balance?: bigint, first = 0): Promise<void> {
    w = await world({ caps, balance });
    for (let i = 0; i < first; i++) expect((await w.pay(`${w.base}/weather`)).status).toBe(200);
    const before = w.a.latest.state.nonce;
    const err = await w.pay(`${w.base}/joke`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(X402Error);
    expect((err as X402Error).code).toBe(code);
    expect(w.a.latest.state.nonce).toBe(before);
    expect(w.a.busy).toBe(false);
    expect(w.served.get('/joke')).toBeUndefined();
  }

  it('a price over the per-request cap', () => refusedWith({ perRequest: 200n }, X402Code.OverRequestCap));
  it('a payment that would pass the total cap', () => refusedWith({ total: 300n }, X402Code.OverTotalCap, undefined, 2));
  it('an origin with no allowance', () => refusedWith({ origins: { 'https://elsewhere.example': 10_000n } }, X402Code.OverOriginAllowance));
  it('a channel whose balance is short of the price', () => refusedWith({}, X402Code.BalanceShort, 200n));
  it('a payment within every cap goes through and counts against them', async () => {
    w = await world({ caps: { perRequest: 300n, total: 1000n } });
    expect((await w.pay(`${w.base}/joke`)).status).toBe(200);
    expect(w.payer.spent.total).toBe(250n);
    expect(w.payer.spent.byOrigin.get(w.base)).toBe(250n);
  });
});

describe('without the Payer\'s fetch', () => {
  it('the scheme client says how to pay when the 402 carries no offer', async () => {
    const w = await world();
    try {
      const client = new x402Client().register(NET, new BitStreamClientScheme(w.payer));
      client.setSpendControls(false);
      const bare = wrapFetchWithPayment(fetch, new x402HTTPClient(client));
      await expect(bare(`${w.base}/weather`)).rejects.toThrow(/Payer\.fetchWith/);
      expect(w.served.size).toBe(0);
    } finally {
      await w.close();
    }
  });
});

describe('a client with no channel to the server', () => {
  it('is told so before anything is signed, with where the server\'s node is when the 402 says', async () => {
    const w = await world({ serverExtra: { node: { peerUrl: 'ws://127.0.0.1:9736' } } });
    try {
      const lonely = new Payer();
      const client = new x402Client().register(NET, new BitStreamClientScheme(lonely));
      client.setSpendControls(false);
      const pay = wrapFetchWithPayment(lonely.fetchWith(fetch), client);
      const err = await pay(`${w.base}/weather`).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(X402Error);
      expect((err as X402Error).code).toBe(X402Code.NoChannel);
      expect((err as X402Error).message).toContain('ws://127.0.0.1:9736');
      expect((err as X402Error).details).toMatchObject({ payTo: PRINCIPAL_B, asset: 'STX', network: NET });
      expect(w.served.size).toBe(0);
    } finally {
      await w.close();
    }
  });
});

describe('a server that refuses the proposal', () => {
  it('is X402_REFUSED with its reason; the proposal is abandoned and nothing moves', async () => {
    const w = await world({
      desk: (real) => ({
        offer: () => Promise.resolve({ ok: false as const, reason: 'bitstream_channel_refused' as const, message: 'not now' }),
        check: (p, priced) => real.check(p, priced),
        settle: (p, priced) => real.settle(p, priced),
      }),
    });
    try {
      const err = await w.pay(`${w.base}/weather`).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(X402Error);
      expect((err as X402Error).code).toBe(X402Code.Refused);
      expect((err as X402Error).details).toMatchObject({ reason: 'bitstream_channel_refused' });
      await expect.poll(() => w.a.busy).toBe(false); // abandoned: the channel is free for the next payment
      expect(w.a.latest.state.nonce).toBe(0n);
      expect(w.served.size).toBe(0);
    } finally {
      await w.close();
    }
  });
});

describe('a server whose offer is not the state proposed', () => {
  const tampered = (change: (o: { channelId: string; nonce: string; hash: string; signature: string }) => object) =>
    world({
      desk: (real) => ({
        offer: async (header, candidates) => {
          const out = await real.offer(header, candidates);
          return out.ok ? { ok: true as const, value: { ...out.value, ...change(out.value) } as typeof out.value } : out;
        },
        check: (p, priced) => real.check(p, priced),
        settle: (p, priced) => real.settle(p, priced),
      }),
    });

  it('a forged signature on the offer: X402_BAD_SERVER_REPLY, the proposal abandoned, nothing signed last', async () => {
    const w = await tampered((o) => ({ signature: (o.signature.startsWith('0') ? '1' : '0') + o.signature.slice(1) }));
    try {
      const err = await w.pay(`${w.base}/weather`).then(() => null, (e: unknown) => e);
      expect((err as X402Error).code).toBe(X402Code.BadServerReply);
      expect((err as X402Error).message).toMatch(/does not verify/);
      await expect.poll(() => w.a.busy).toBe(false);
      expect(w.a.latest.state.nonce).toBe(0n);
      expect(w.payer.spent.total).toBe(0n);
      expect(w.served.size).toBe(0);
    } finally {
      await w.close();
    }
  });

  it('an offer for another nonce: X402_BAD_SERVER_REPLY, the proposal abandoned', async () => {
    const w = await tampered(() => ({ nonce: '7' }));
    try {
      const err = await w.pay(`${w.base}/weather`).then(() => null, (e: unknown) => e);
      expect((err as X402Error).code).toBe(X402Code.BadServerReply);
      expect((err as X402Error).message).toMatch(/another state|not the one proposed/);
      await expect.poll(() => w.a.busy).toBe(false);
      expect(w.a.latest.state.nonce).toBe(0n);
    } finally {
      await w.close();
    }
  });

  it('the scheme client refuses a 402 whose offer this Payer never signed', async () => {
    const w = await world();
    try {
      const { accept } = await signedPayment(w, '/weather');
      const foreign = { ...accept, extra: { ...accept.extra, offer: { ...(accept.extra['offer'] as object), nonce: '5' } } };
      expect(() => w.payer.payloadFor(foreign)).toThrow(/not one this Payer signed/);
    } finally {
      await w.close();
    }
  });
});

describe('a server that fails while the proposal is out', () => {
  it('is unanswered, not refused: the proposal it may have signed is not abandoned, nothing is served', async () => {
    const w = await world({
      desk: (real) => ({
        // the real desk signs first, then the server fails before it answers
        offer: async (header, candidates) => {
          await real.offer(header, candidates);
          throw new Error('the node went away');
        },
        check: (p, priced) => real.check(p, priced),
        settle: (p, priced) => real.settle(p, priced),
      }),
    });
    try {
      expect((await fetch(`${w.base}/weather`)).status).toBe(402); // the price, remembered below
      const err = await w.pay(`${w.base}/weather`).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(X402Error);
      expect((err as X402Error).code).toBe(X402Code.Unanswered);
      const { paymentId, nonce } = (err as X402Error).details as { paymentId: string; nonce: string };
      expect(nonce).toBe('1');
      // the server holds its first signature on state 1; the client keeps the proposal open
      expect(w.b.awaiting?.state.nonce).toBe(1n);
      expect(w.a.paymentStatus(paymentId)?.status).toBe('in-flight');
      expect(w.served.size).toBe(0);
    } finally {
      await w.close();
    }
  });
});

describe('a server that refuses to settle the offer it made', () => {
  it('is unanswered with the offer\'s payment id: the client signed last, nothing is served', async () => {
    let down = false;
    const w = await world({
      desk: (real) => ({
        offer: (header, candidates) => real.offer(header, candidates),
        check: (p, priced) => real.check(p, priced),
        // the node fails as the paid request comes in: the payment is refused unsettled
        settle: (p, priced) => (down ? Promise.resolve({ ok: false, reason: RefusalReason.ChannelRefused, message: 'the node went away' }) : real.settle(p, priced)),
      }),
    });
    try {
      expect((await w.pay(`${w.base}/weather`)).status).toBe(200);
      const offered = w.b.offered;
      expect(offered?.state.nonce).toBe(2n);
      down = true;
      const err = await w.pay(`${w.base}/weather`).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(X402Error);
      expect((err as X402Error).code).toBe(X402Code.Unanswered);
      const details = (err as X402Error).details as { paymentId: string; nonce: string; reason: string | null };
      expect(details.nonce).toBe('2');
      expect(details.reason).toBe(RefusalReason.ChannelRefused);
      // the client's state 2 is final on its side; the state binds the request and that id
      expect(w.a.latest.state.nonce).toBe(2n);
      expect(toHex(w.a.latest.state.data)).toBe(toHex(bindingData({ method: 'GET', path: '/weather', amount: 100n, asset: 'STX', paymentId: details.paymentId })));
      expect(w.b.latest.state.nonce).toBe(1n);
      expect(w.served.get('/weather')).toBe(1);
    } finally {
      await w.close();
    }
  });
});

describe('the courier teed onto a peer connection', () => {
  it('gives an expected message to its taker and every other one, retransmits included, to the peer', async () => {
    const toPeer: string[] = [];
    const courier = new Courier();
    const peer = { send: (m: { type: string }) => toPeer.push(m.type), onMessage: () => () => undefined, close: () => undefined };
    const t = courier.tee(peer as never);
    const ack = (nonce: bigint) => ({ v: 2, type: 'ack', channelId: new Uint8Array(32), nonce, hash: new Uint8Array(32) }) as const;
    const wanted = courier.expect((m) => m.type === 'ack' && m.nonce === 2n, 1000);
    t.send(ack(1n));
    t.send(ack(2n));
    t.send(ack(2n)); // a retransmit nobody expects now
    expect((await wanted.result)?.type).toBe('ack');
    expect(toPeer).toEqual(['ack', 'ack']);
    // nothing is kept for a later taker in this mode
    expect(await courier.expect((m) => m.type === 'ack', 10).result).toBeNull();
  });
});
