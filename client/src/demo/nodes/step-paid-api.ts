// Step 2, second half: Alice's agent pays per call. Bob runs a paid API in front of his
// node (the official @x402/hono middleware with the BitStream scheme, his node as its
// desk); Alice's node fetches it through POST /v1/fetch, each call paid by one state on
// their STX channel before it is served. An unpaid call gets the 402 that names the price;
// a replayed payment is refused. The plan counts what the calls pay (stxAfterStream).
import { serve, type ServerType } from '@hono/node-server';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import { x402ResourceServer } from '@x402/core/server';
import { paymentMiddleware } from '@x402/hono';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { BitStreamServerScheme, ChannelFacilitator, NodeDesk, STACKS_TESTNET } from '../../x402/index.js';
import { DemoNodeError, expectEqual } from '../errors.js';
import { fmtStx } from '../format.js';
import { must, type NodeWorld } from './cast.js';

const STEP = 'paid-api';

export interface PaidApiFigures {
  readonly calls: number;
  readonly ms: number;
}

interface PaidFetch {
  status: number;
  body: string;
  payment: { amount: string; transaction: string } | null;
}

export async function payPerCall(w: NodeWorld): Promise<PaidApiFigures> {
  const { plan: p, say } = w;
  const alice = w.cast.node('alice');
  const bob = w.cast.node('bob');
  const network = STACKS_TESTNET;
  const desk = new NodeDesk({ url: bob.apiUrl, token: bob.token });
  const server = new x402ResourceServer(new ChannelFacilitator(desk, network)).register(network, new BitStreamServerScheme({ desk, network }));
  let served = 0;
  const app = new Hono();
  app.use(paymentMiddleware({ 'GET /api/forecast': { accepts: { scheme: 'bitstream', network, payTo: bob.principal, price: p.apiPrice.toString() }, description: "tomorrow's forecast" } }, server));
  app.get('/api/forecast', (c) => c.json({ forecast: 'sunny', call: ++served }));
  const http: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/forecast`;
  try {
    const unpaid = await fetch(url);
    expectEqual(STEP, 'an unpaid call', unpaid.status, 402);
    const accept = decodePaymentRequiredHeader(unpaid.headers.get('payment-required') ?? '').accepts[0];
    expectEqual(STEP, "the 402's price", accept?.amount ?? null, p.apiPrice.toString());
    say.line(`Bob's paid API answers an unpaid call with 402: ${fmtStx(p.apiPrice)} STX a call, scheme bitstream, payTo his node`);

    const started = performance.now();
    let last: PaidFetch | null = null;
    for (let i = 0; i < p.apiCalls; i++) {
      last = await must(STEP, `paid call ${i + 1}`, alice.api<PaidFetch>('POST', '/v1/fetch', { url, maxAmount: p.apiPrice.toString() }));
      if (last.status !== 200 || last.payment === null) throw new DemoNodeError(STEP, `paid call ${i + 1}: status ${last.status}, ${last.body.slice(0, 200)}`);
    }
    const ms = performance.now() - started;
    expectEqual(STEP, 'calls served', served, p.apiCalls);
    say.line(`Alice's node paid ${p.apiCalls} calls through POST /v1/fetch in ${(ms / 1000).toFixed(1)} s: each paid by one channel state, durable at Bob's node before it was served (last: state ${last?.payment?.transaction.split(':')[1]})`);
    return { calls: p.apiCalls, ms };
  } finally {
    await new Promise<void>((r) => http.close(() => r()));
  }
}
