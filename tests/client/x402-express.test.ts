// The BitStream scheme under the official @x402/express middleware, unchanged: the same
// resource server and facilitator as with Hono, an Express app on loopback, the official
// @x402/fetch wrapper with the Payer's fetch. Paid calls settle; the unpaid call gets the
// documented 402; a replayed payment is refused and nothing is served.
import { x402Client } from '@x402/core/client';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { x402ResourceServer } from '@x402/core/server';
import { paymentMiddleware } from '@x402/express';
import { wrapFetchWithPayment } from '@x402/fetch';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../client/src/wire/json.js';
import { BitStreamClientScheme, BitStreamServerScheme, ChannelFacilitator, PayeeDesk, Payer, STACKS_TESTNET } from '../../client/src/x402/index.js';
import { courierPair } from './fixtures/courier-pair.js';
import { PRINCIPAL_A, PRINCIPAL_B } from './fixtures/peers.js';

const NET = STACKS_TESTNET;

describe('x402 with @x402/express', () => {
  it('pays 50 calls, answers the unpaid one with the documented 402, and refuses a replay', async () => {
    const { channelId, a, b, ca, cb } = await courierPair(4021, 100_000n);
    const desk = new PayeeDesk();
    desk.add({ channel: b, courier: cb, asset: 'STX', payer: PRINCIPAL_A });
    const server = new x402ResourceServer(new ChannelFacilitator(desk, NET)).register(NET, new BitStreamServerScheme({ desk, network: NET }));
    let served = 0;
    const seen: string[] = [];
    const app = express();
    app.use(paymentMiddleware({ 'GET /api/item': { accepts: { scheme: 'bitstream', network: NET, payTo: PRINCIPAL_B, price: '75' }, description: 'an item' } }, server));
    app.get('/api/item', (req, res) => {
      served++;
      seen.push(req.header('payment-signature') ?? '');
      res.json({ item: served });
    });
    const http: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const unpaid = await fetch(`${base}/api/item`);
      expect(unpaid.status).toBe(402);
      expect(decodePaymentRequiredHeader(unpaid.headers.get('payment-required')!).accepts[0]).toMatchObject({
        scheme: 'bitstream', network: NET, amount: '75', asset: 'STX', payTo: PRINCIPAL_B, extra: { request: { method: 'GET', path: '/api/item' } },
      });

      const payer = new Payer();
      payer.add({ channel: a, courier: ca, payTo: PRINCIPAL_B, network: NET, asset: 'STX' });
      const client = new x402Client().register(NET, new BitStreamClientScheme(payer));
      client.setSpendControls(false);
      const pay = wrapFetchWithPayment(payer.fetchWith(fetch), client);
      for (let i = 0; i < 50; i++) {
        const res = await pay(`${base}/api/item`);
        expect(res.status).toBe(200);
        expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: true, transaction: `${toHex(channelId)}:${i + 1}`, amount: '75' });
      }
      expect(served).toBe(50);
      expect(b.latest.state.balanceB).toBe(50n * 75n);
      expect(a.latest.hash).toEqual(b.latest.hash);

      const replay = await fetch(`${base}/api/item`, { headers: { 'PAYMENT-SIGNATURE': seen[0]! } });
      expect(replay.status).toBe(402);
      expect(decodePaymentResponseHeader(replay.headers.get('payment-response')!).errorReason).toBe('bitstream_replayed');
      expect(served).toBe(50);
      expect(b.latest.state.nonce).toBe(50n);
    } finally {
      a.close();
      b.close();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });
});
