// The payee's desk and the server scheme on their own, for the refusals the HTTP tests do
// not reach: a channel in another token, a proposal the channel itself refuses, a charge
// for a payment never settled (or charged twice), prices that are not whole units, a
// network that is not Stacks'. Each refusal leaves the channel as it was.
import { describe, expect, it } from 'vitest';
import { BitStreamError } from '../../client/src/errors/errors.js';
import { toHex } from '../../client/src/wire/json.js';
import { bindingData } from '../../client/src/x402/binding.js';
import { encodeProposalHeader } from '../../client/src/x402/forms.js';
import { BitStreamServerScheme, Courier, networkOf, NodeDesk, PayeeDesk, STACKS_MAINNET, STACKS_TESTNET, X402Code } from '../../client/src/x402/index.js';
import type { ProposalMessage } from '../../client/src/wire/messages.js';
import { courierPair } from './fixtures/courier-pair.js';
import { PRINCIPAL_A } from './fixtures/peers.js';

async function setup() {
  const { channelId, a, b, ca, cb } = await courierPair(9402, 10_000n);
  const desk = new PayeeDesk();
  desk.add({ channel: b, courier: cb, asset: 'STX', payer: PRINCIPAL_A });
  const priced = { method: 'GET', path: '/x', amount: 100n, asset: 'STX' };
  /** The client's proposal header for `priced` (its channel proposes it). */
  const header = async (paymentId: string, amount = 100n) => {
    const got = ca.expect((m) => m.type === 'proposal', 2000);
    a.pay(amount, { id: paymentId, data: bindingData({ ...priced, amount, paymentId }) }).catch(() => undefined);
    const proposal = (await got.result) as ProposalMessage;
    return { proposal, text: encodeProposalHeader(toHex(channelId), paymentId, proposal) };
  };
  /** The client's payload for `paymentId`: the desk's offer on its proposal, signed last by the client (not settled yet). */
  const signed = async (paymentId: string) => {
    const { text } = await header(paymentId);
    const offer = await desk.offer(text, [priced]);
    if (!offer.ok) throw new Error(`no offer: ${offer.message}`);
    const o = offer.value;
    const last = (a as unknown as { cfg: { transport: Courier } }).cfg.transport.expect((m) => m.type === 'signature' && !m.first, 2000);
    await a.receive({ v: 2, type: 'signature', channelId: o.channelId, nonce: o.nonce, hash: o.hash, sig: o.signature, first: true });
    const m = await last.result;
    if (m?.type !== 'signature') throw new Error('the client did not sign last');
    return { channelId: o.channelId, nonce: o.nonce, hash: o.hash, signature: toHex(m.sig), paymentId };
  };
  return { a, b, cb, desk, priced, header, signed, channelId, close: () => (a.close(), b.close()) };
}

describe('the payee desk refuses, and nothing moves', () => {
  it('a channel in another token than the price', async () => {
    const s = await setup();
    try {
      const { text } = await s.header('p1');
      const out = await s.desk.offer(text, [{ ...s.priced, asset: 'SP3DX3H4FEYZJZ586MFBS25ZW3HZDMEW92260R2PR.Wrapped-Bitcoin' }]);
      expect(out).toMatchObject({ ok: false, reason: 'bitstream_wrong_token' });
      expect(s.b.awaiting).toBeNull();
    } finally {
      s.close();
    }
  });

  it('a proposal the channel refuses (not the next state): bitstream_channel_refused with the channel\'s code', async () => {
    const s = await setup();
    try {
      const { proposal } = await s.header('p2');
      const ahead = { ...proposal, state: { ...proposal.state, nonce: 5n } };
      const out = await s.desk.offer(encodeProposalHeader(toHex(s.channelId), 'p2', ahead), [s.priced]);
      expect(out.ok).toBe(false);
      expect(out.ok === false && out.reason).toBe('bitstream_channel_refused');
      expect(out.ok === false && out.message).toMatch(/CHANNEL_/);
      expect(s.b.awaiting).toBeNull();
      expect(s.b.latest.state.nonce).toBe(0n);
    } finally {
      s.close();
    }
  });

  it('a charge after the handler for a payment never settled here, and a second charge for one that was', async () => {
    const s = await setup();
    try {
      const payload = await s.signed('p3');
      const early = await s.desk.settle({ ...payload, phase: 'after-handler' }, { ...s.priced, amount: 40n });
      expect(early).toMatchObject({ ok: false, reason: 'bitstream_not_settled' });
      expect((await s.desk.settle(payload, s.priced)).ok).toBe(true);
      expect(s.b.latest.state.nonce).toBe(1n);
      const over = await s.desk.settle({ ...payload, phase: 'after-handler' }, { ...s.priced, amount: 101n });
      expect(over).toMatchObject({ ok: false, reason: 'bitstream_wrong_amount' });
      const kept = await s.desk.settle({ ...payload, phase: 'after-handler' }, { ...s.priced, amount: 100n });
      expect(kept).toMatchObject({ ok: true });
      expect(kept.ok && kept.value.refund).toBeUndefined(); // all used: nothing to pay back
      const twice = await s.desk.settle({ ...payload, phase: 'after-handler' }, { ...s.priced, amount: 100n });
      expect(twice).toMatchObject({ ok: false, reason: 'bitstream_not_settled' });
      expect(s.b.latest.state.nonce).toBe(1n);
    } finally {
      s.close();
    }
  });
});

describe('the payee desk serves retries of the last payment (payment-identifier)', () => {
  const ID = 'pay_0123456789abcdef';

  it('read off the channel\'s state: a desk made after a restart serves the retry too, and counts it', async () => {
    const s = await setup();
    try {
      const payload = await s.signed(ID);
      const retried = { ...s.priced, retry: { id: ID, limit: 1 } };
      expect((await s.desk.settle(payload, retried)).ok).toBe(true);
      const after = { ...s.b.latest.state };
      const restarted = new PayeeDesk();
      restarted.add({ channel: s.b, courier: s.cb, asset: 'STX', payer: PRINCIPAL_A });
      expect(await restarted.check(payload, retried)).toMatchObject({ ok: true });
      expect(await restarted.settle(payload, retried)).toMatchObject({ ok: true, value: { nonce: '1', hash: payload.hash } });
      expect(await restarted.check(payload, retried)).toMatchObject({ ok: false, reason: 'bitstream_replayed' });
      expect(await restarted.settle(payload, retried)).toMatchObject({ ok: false, reason: 'bitstream_replayed' });
      expect(s.b.latest.state).toEqual(after);
    } finally {
      s.close();
    }
  });

  it('a retry not named, or with a limit of 0, is a replay', async () => {
    const s = await setup();
    try {
      const payload = await s.signed(ID);
      expect((await s.desk.settle(payload, s.priced)).ok).toBe(true);
      expect(await s.desk.settle(payload, s.priced)).toMatchObject({ ok: false, reason: 'bitstream_replayed' });
      expect(await s.desk.settle(payload, { ...s.priced, retry: { id: ID, limit: 0 } })).toMatchObject({ ok: false, reason: 'bitstream_replayed' });
      expect(await s.desk.settle(payload, { ...s.priced, amount: 99n, retry: { id: ID, limit: 2 } })).toMatchObject({ ok: false, reason: 'bitstream_replayed' });
      expect(s.b.latest.state.nonce).toBe(1n);
    } finally {
      s.close();
    }
  });

  it('a metered retry is charged nothing more: its charge after the handler pays nothing back', async () => {
    const s = await setup();
    try {
      const payload = await s.signed(ID);
      const retried = { ...s.priced, retry: { id: ID, limit: 2 } };
      expect((await s.desk.settle(payload, retried)).ok).toBe(true);
      expect(await s.desk.settle({ ...payload, phase: 'after-handler' }, { ...retried, amount: 100n })).toMatchObject({ ok: true });
      const before = { ...s.b.latest.state };
      expect((await s.desk.settle(payload, retried)).ok).toBe(true); // the retry, before its handler
      const charged = await s.desk.settle({ ...payload, phase: 'after-handler' }, { ...retried, amount: 10n });
      expect(charged).toMatchObject({ ok: true });
      expect(charged.ok && charged.value.refund).toBeUndefined();
      expect(s.b.latest.state).toEqual(before);
      // a charge with no retry named is still refused
      expect(await s.desk.settle({ ...payload, phase: 'after-handler' }, { ...s.priced, amount: 10n })).toMatchObject({ ok: false, reason: 'bitstream_not_settled' });
    } finally {
      s.close();
    }
  });
});

describe('a NodeDesk', () => {
  it('asks its node with the request, the price and the retry the payload names', async () => {
    const bodies: unknown[] = [];
    const fake: typeof fetch = async (_url, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return new Response(JSON.stringify({ ok: false, reason: 'bitstream_replayed', message: 'already paid' }), { status: 200 });
    };
    const desk = new NodeDesk({ url: 'http://127.0.0.1:1', token: 't', fetch: fake });
    const priced = { method: 'GET', path: '/x', amount: 100n, asset: 'STX' };
    await expect(desk.settle({ a: 1 }, { ...priced, retry: { id: 'pay_0123456789abcdef', limit: 2 } })).resolves.toMatchObject({ ok: false, reason: 'bitstream_replayed' });
    await desk.check({ a: 1 }, priced);
    expect(bodies).toEqual([
      { payload: { a: 1 }, priced: { method: 'GET', path: '/x', amount: '100', asset: 'STX', retry: { id: 'pay_0123456789abcdef', limit: 2 } } },
      { payload: { a: 1 }, priced: { method: 'GET', path: '/x', amount: '100', asset: 'STX' } },
    ]);
  });
});

describe('the server scheme', () => {
  const scheme = new BitStreamServerScheme({ desk: new PayeeDesk(), network: STACKS_TESTNET });

  it('prices in whole units of the token: a bare number, a string or an AssetAmount', async () => {
    await expect(scheme.parsePrice('250', STACKS_TESTNET)).resolves.toEqual({ amount: '250', asset: 'STX' });
    await expect(scheme.parsePrice(250, STACKS_TESTNET)).resolves.toEqual({ amount: '250', asset: 'STX' });
    await expect(scheme.parsePrice({ amount: '7', asset: 'SP000.sbtc-token' }, STACKS_TESTNET)).resolves.toEqual({ amount: '7', asset: 'SP000.sbtc-token' });
  });

  it('refuses dollars, fractions, zero and another network with typed errors', async () => {
    for (const bad of ['$0.01', '0.5', '0', '-3', 'ten']) {
      await expect(scheme.parsePrice(bad, STACKS_TESTNET)).rejects.toMatchObject({ code: X402Code.BadPrice });
    }
    await expect(scheme.parsePrice({ amount: '0', asset: 'STX' }, STACKS_TESTNET)).rejects.toMatchObject({ code: X402Code.BadPrice });
    await expect(scheme.parsePrice('5', STACKS_MAINNET)).rejects.toMatchObject({ code: X402Code.BadNetwork });
  });

  it('names the CAIP-2 network of a chain id, and no other', () => {
    expect(networkOf(1)).toBe(STACKS_MAINNET);
    expect(networkOf(0x80000000)).toBe(STACKS_TESTNET);
    expect(() => networkOf(5)).toThrow(BitStreamError);
    try {
      networkOf(5);
    } catch (e) {
      expect((e as BitStreamError).code).toBe(X402Code.BadNetwork);
    }
  });
});
