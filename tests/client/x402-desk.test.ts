// The payee's desk and the server scheme on their own, for the refusals the HTTP tests do
// not reach: a channel in another token, a proposal the channel itself refuses, a charge
// for a payment never settled (or charged twice), prices that are not whole units, a
// network that is not Stacks'. Each refusal leaves the channel as it was.
import { describe, expect, it } from 'vitest';
import { BitStreamError } from '../../client/src/errors/errors.js';
import { toHex } from '../../client/src/wire/json.js';
import { bindingData } from '../../client/src/x402/binding.js';
import { encodeProposalHeader } from '../../client/src/x402/forms.js';
import { BitStreamServerScheme, Courier, networkOf, PayeeDesk, STACKS_MAINNET, STACKS_TESTNET, X402Code } from '../../client/src/x402/index.js';
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
  return { a, b, desk, priced, header, channelId, close: () => (a.close(), b.close()) };
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
      const { text } = await s.header('p3');
      const offer = await s.desk.offer(text, [s.priced]);
      expect(offer.ok).toBe(true);
      const sig = await (async () => {
        const last = (s.a as unknown as { cfg: { transport: Courier } }).cfg.transport.expect((m) => m.type === 'signature' && !m.first, 2000);
        const o = offer.ok ? offer.value : null;
        await s.a.receive({ v: 2, type: 'signature', channelId: o!.channelId, nonce: o!.nonce, hash: o!.hash, sig: o!.signature, first: true });
        const m = await last.result;
        return m?.type === 'signature' ? toHex(m.sig) : '';
      })();
      const o = offer.ok ? offer.value : null;
      const payload = { channelId: o!.channelId, nonce: o!.nonce, hash: o!.hash, signature: sig, paymentId: 'p3' };
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
