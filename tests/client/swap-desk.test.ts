// The taker's side of a swap against stand-in channels and a stand-in peer: every refusal
// comes before anything is locked — the same token on both sides, no amount, no channel
// in which the peer holds the amount, a peer answering the quote with nonsense or with a
// refusal, a price above the cap — and nothing is issued or paid.
import { describe, expect, it } from 'vitest';
import type { InvoiceDesk } from '../../client/src/node/invoices.js';
import type { ChannelManager } from '../../client/src/node/manager.js';
import { openChannelWith, type HeldChannel } from '../../client/src/node/open-channel-with.js';
import { SwapDesk } from '../../client/src/node/swaps.js';

const PEER = 'ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG';
const SBTC = 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.sbtc-token';

function desk(answer: () => Promise<unknown>) {
  const held = (id: string, token: string | null, own: bigint, other: bigint) => ({ meta: { id, peer: PEER, phase: 'open', token }, channel: { balances: { own, other } } });
  const channels = [held('stx', null, 5_000_000n, 0n), held('sbtc', SBTC, 0n, 1_000n)];
  const calls: string[] = [];
  const manager = {
    all: () => channels, peerConnected: () => true, entry: (id: string) => channels.find((c) => c.meta.id === id),
    openWith: (peer: string, token: string | null, ok: (h: HeldChannel) => boolean) => openChannelWith(channels as unknown as HeldChannel[], { peer, token, ok, connected: () => true }),
    sessionOf: () => ({ request: () => answer() }),
  } as unknown as ChannelManager;
  const invoices = {
    issue: () => { calls.push('issue'); return Promise.reject(new Error('not expected')); },
    pay: () => { calls.push('pay'); return Promise.reject(new Error('not expected')); },
  } as unknown as InvoiceDesk;
  return { swaps: new SwapDesk({ manager, invoices, self: 'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5' }), calls };
}

const quote = { inAmount: '3000000', inUnits: '3000', outUnits: '1', expiryDelta: 6 };

describe('a swap, as the taker', () => {
  it('quotes from the peer\'s answer and the two channels that would carry it', async () => {
    const { swaps } = desk(async () => quote);
    expect(await swaps.quote({ peer: PEER, sell: null, buy: SBTC, amount: 1_000n })).toMatchObject({ price: 3_000_000n, sellChannel: 'stx', buyChannel: 'sbtc', expiryDelta: 6 });
  });

  it('refuses before anything is issued or locked', async () => {
    const cases: [string, () => Promise<unknown>, Parameters<SwapDesk['execute']>[0], string][] = [
      ['same token', async () => quote, { peer: PEER, sell: null, buy: null, amount: 5n }, 'NODE_BAD_REQUEST'],
      ['no amount', async () => quote, { peer: PEER, sell: null, buy: SBTC, amount: 0n }, 'NODE_BAD_REQUEST'],
      ['the peer holds less than the amount', async () => quote, { peer: PEER, sell: null, buy: SBTC, amount: 1_001n }, 'NODE_NO_ROUTE'],
      ['a nonsense quote', async () => ({ inAmount: 'lots' }), { peer: PEER, sell: null, buy: SBTC, amount: 1_000n }, 'NODE_NO_ROUTE'],
      ['a refused quote', () => Promise.reject(Object.assign(new Error('no'), { code: 'PEER_REFUSED', details: { code: 'NODE_NO_ROUTE', message: 'no rate' } })), { peer: PEER, sell: null, buy: SBTC, amount: 1_000n }, 'NODE_NO_ROUTE'],
      ['more than this node holds to sell', async () => ({ ...quote, inAmount: '5000001' }), { peer: PEER, sell: null, buy: SBTC, amount: 1_000n }, 'NODE_NO_ROUTE'],
      ['a price above the cap', async () => quote, { peer: PEER, sell: null, buy: SBTC, amount: 1_000n, maxSell: 2_999_999n }, 'NODE_NO_ROUTE'],
    ];
    for (const [what, answer, req, code] of cases) {
      const { swaps, calls } = desk(answer);
      await expect(swaps.execute(req), what).rejects.toMatchObject({ code });
      expect(calls, what).toEqual([]);
    }
  });
});
