// Pay-per-call with real node processes on the local chain (PROTOCOL §11): Bob's node
// serves a paid API's payments — two API instances in this process, each the official
// @x402/hono middleware with the BitStream scheme and a NodeDesk on Bob's node, so both
// share its view — and Alice's node pays through its /v1/fetch with the official @x402
// client. 1,000 paid requests over one channel; balances agree; a payment replayed on
// the other instance is refused; a call over its cap pays nothing; Bob closes and his
// earnings land on-chain.
import { serve, type ServerType } from '@hono/node-server';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { x402ResourceServer, type RouteConfig } from '@x402/core/server';
import { paymentMiddleware, setSettlementOverrides } from '@x402/hono';
import { Hono } from 'hono';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTIES } from '../../client/src/demo/accounts.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { BitStreamServerScheme, ChannelFacilitator, STACKS_TESTNET } from '../../client/src/x402/index.js';
import { NodeDesk } from '../../client/src/x402/node-desk.js';
import { cli, feesPaid, freePort, startChainProcess, startNode, teardown, type NodeEnv, type NodeProcess } from './fixtures/node-process.js';

const NET = STACKS_TESTNET;
const PRICE = 30n;
const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-x402-e2e-'));
let chain: Awaited<ReturnType<typeof startChainProcess>>;
let view: DemoChain;
let alice: NodeProcess;
let bob: NodeProcess;
/** Bob's ports are fixed, so a restarted Bob is where Alice and the API instances look */
let bobEnv: NodeEnv;
let channelId: string;
/** on-chain STX before the channel opened */
let stxBefore: { a: bigint; b: bigint };
const OPENING = 100_000n;

interface Instance {
  base: string;
  served: number;
  /** the PAYMENT-SIGNATURE of each request it served */
  payments: string[];
  close(): Promise<void>;
}
const instances: Instance[] = [];

async function apiInstance(node: NodeProcess): Promise<Instance> {
  const desk = new NodeDesk({ url: node.apiUrl, token: node.token });
  // the 402 says where the node is, so a client with no channel knows where to open one
  const scheme = new BitStreamServerScheme({ desk, network: NET, extra: { node: { peerUrl: node.peerUrl } } });
  const server = new x402ResourceServer(new ChannelFacilitator(desk, NET)).register(NET, scheme);
  const route = (price: string): RouteConfig => ({ accepts: { scheme: 'bitstream', network: NET, payTo: node.principal, price }, description: 'a paid call' });
  const inst: Instance = { base: '', served: 0, payments: [], close: async () => undefined };
  const app = new Hono();
  const metered: RouteConfig = { accepts: { scheme: 'bitstream', network: NET, payTo: node.principal, price: '1000', extra: { paymentFlow: 'escrow' } }, description: 'metered: at most 1000, 10 a unit' };
  app.use(paymentMiddleware({ 'GET /api/quote': route(PRICE.toString()), 'GET /api/report': route('5000'), 'GET /api/compute': metered, 'GET /api/broken': route('40') }, server));
  app.get('/api/compute', (c) => {
    const units = Number(c.req.query('units') ?? '1');
    setSettlementOverrides(c, { amount: String(10 * units) }); // x402's way to charge what was used
    return c.json({ units });
  });
  app.get('/api/broken', (c) => c.json({ error: 'the handler failed' }, 500));
  app.get('/api/quote', (c) => {
    inst.served++;
    inst.payments.push(c.req.header('payment-signature') ?? '');
    return c.json({ quote: inst.served });
  });
  app.get('/api/report', (c) => c.json({ report: true }));
  const http: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  inst.base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  inst.close = () => new Promise<void>((r) => http.close(() => r()));
  return inst;
}

beforeAll(async () => {
  chain = await startChainProcess({ blockMs: 50, burnMs: 150 });
  view = new DemoChain(chain.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
  bobEnv = {
    chainUrl: chain.url, dataDir: join(dir, 'bob'), key: hex(PARTIES.bob.privateKey), token: 'bob-token',
    extra: { BITSTREAM_PEER_PORT: String(await freePort()), BITSTREAM_API_PORT: String(await freePort()) },
  };
  [alice, bob] = await Promise.all([
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'alice'), key: hex(PARTIES.alice.privateKey), token: 'alice-token' }),
    startNode(bobEnv),
  ]);
  stxBefore = { a: await view.stx(alice.principal), b: await view.stx(bob.principal) };
  const connected = await alice.api('POST', '/v1/peers', { url: bob.peerUrl, principal: bob.principal });
  expect(connected.status, JSON.stringify(connected.body)).toBe(200);
  const opened = await alice.api<{ id: string }>('POST', '/v1/channels', { peer: bob.principal, amount: OPENING.toString() });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  channelId = opened.body.id;
  instances.push(await apiInstance(bob), await apiInstance(bob));
}, 120_000);

afterAll(async () => {
  for (const i of instances) await i.close();
  await teardown([alice, bob], chain, dir);
});

/** `read` again until `done` (bounded). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Paid = { status: number; body: string; payment: { amount: string; transaction: string; payer: string | null; refund: { amount: string; status: string } | null } | null };

describe('x402 through node processes', () => {
  it('an unpaid request to the API gets the documented 402, naming Bob\'s node as payTo and where it is; a client with no channel is told how to open one', async () => {
    const res = await fetch(`${instances[0]!.base}/api/quote`);
    expect(res.status).toBe(402);
    const accept = decodePaymentRequiredHeader(res.headers.get('payment-required')!).accepts[0]!;
    expect(accept).toMatchObject({ scheme: 'bitstream', network: NET, amount: PRICE.toString(), asset: 'STX', payTo: bob.principal, extra: { node: { peerUrl: bob.peerUrl } } });
    expect(instances[0]!.served).toBe(0);
    // a client with no channel to Bob (Bob's own node, here) is told the two commands that make one
    const lonely = await bob.api<{ error: { code: string; message: string; details: { hint: string } } }>('POST', '/v1/fetch', { url: `${instances[0]!.base}/api/quote` });
    expect(lonely.status).toBe(400);
    expect(lonely.body.error.code).toBe('X402_NO_CHANNEL');
    expect(lonely.body.error.details.hint).toBe(`bitstream peer connect ${bob.peerUrl} --principal ${bob.principal}; bitstream channel open ${bob.principal} <amount>`);
    expect(instances[0]!.served).toBe(0);
  });

  it('the node\'s x402 routes refuse bad bodies and a wrong token; a NodeDesk says its node refused', async () => {
    const priced = { method: 'GET', path: '/api/quote', amount: '30', asset: 'STX' };
    const bad = [
      ['/v1/x402/offer', { header: '', candidates: [priced] }],
      ['/v1/x402/offer', { header: 'x', candidates: [] }],
      ['/v1/x402/offer', { header: 'x', candidates: [{ ...priced, method: 'get' }] }],
      ['/v1/x402/settle', { payload: {}, priced: { ...priced, path: 'no-slash' } }],
      ['/v1/x402/check', { payload: 'nope', priced }],
      ['/v1/x402/settle', { payload: {}, priced: { ...priced, retry: { id: 'short', limit: 1 } } }],
      ['/v1/x402/check', { payload: {}, priced: { ...priced, retry: { id: 'pay_0123456789abcdef', limit: 0 } } }],
      ['/v1/fetch', { url: 'ftp://127.0.0.1/x' }],
      ['/v1/fetch', { url: `${instances[0]!.base}/api/quote`, maxAmount: '0' }],
      ['/v1/fetch', { url: `${instances[0]!.base}/api/quote`, method: 'TRACE' }],
    ] as const;
    for (const [path, body] of bad) {
      const r = await bob.api<{ error: { code: string } }>('POST', path, body);
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body.error.code).toBe('NODE_BAD_REQUEST');
    }
    expect((await bob.api('POST', '/v1/x402/offer', { header: 'x', candidates: [priced] }, 'wrong-token')).status).toBe(401);
    const stranger = new NodeDesk({ url: bob.apiUrl, token: 'wrong-token' });
    await expect(stranger.offer('x', [{ ...priced, amount: 30n }])).rejects.toMatchObject({ code: 'X402_BAD_SERVER_REPLY' });
    // a well-formed call for a channel the node does not hold: a refusal, nothing signed
    const desk = new NodeDesk({ url: bob.apiUrl, token: bob.token });
    const unknown = Buffer.from(JSON.stringify({ channelId: '22'.repeat(32), paymentId: 'p-1', proposal: {} })).toString('base64url');
    await expect(desk.offer(unknown, [{ ...priced, amount: 30n }])).resolves.toMatchObject({ ok: false, reason: 'bitstream_unknown_channel' });
  });

  it('1,000 paid requests over one channel, alternating between two API instances behind Bob\'s node', async () => {
    const n = 1000;
    for (let i = 0; i < n; i++) {
      const r = await alice.api<Paid>('POST', '/v1/fetch', { url: `${instances[i % 2]!.base}/api/quote` });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.status, r.body.body).toBe(200);
      expect(r.body.payment).toMatchObject({ amount: PRICE.toString(), payer: alice.principal, transaction: `${channelId}:${i + 1}` });
    }
    // the CLI: bitstream fetch, as a person runs it
    const viaCli = await cli(alice, ['fetch', `${instances[1]!.base}/api/quote`, '--max-amount', '100']);
    expect(viaCli.code, viaCli.stderr).toBe(0);
    expect(JSON.parse(viaCli.stdout)).toHaveProperty('quote');
    expect(viaCli.stderr).toMatch(new RegExp(`HTTP 200, paid ${PRICE} \\(state ${channelId}:${n + 1}\\)`));
    expect(instances[0]!.served + instances[1]!.served).toBe(n + 1);
    const earned = PRICE * BigInt(n + 1);
    const atBob = await bob.api<{ balance: string; peerBalance: string; nonce: string }>('GET', `/v1/channels/${channelId}`);
    expect(atBob.body).toMatchObject({ balance: earned.toString(), peerBalance: (OPENING - earned).toString(), nonce: String(n + 1) });
    const atAlice = await alice.api<{ balance: string; nonce: string }>('GET', `/v1/channels/${channelId}`);
    expect(atAlice.body).toMatchObject({ balance: (OPENING - earned).toString(), nonce: String(n + 1) });

    // a payment served by one instance, replayed on the other: the node has it as paid
    const replay = await fetch(`${instances[1]!.base}/api/quote`, { headers: { 'PAYMENT-SIGNATURE': instances[0]!.payments[0]! } });
    expect(replay.status).toBe(402);
    expect(decodePaymentResponseHeader(replay.headers.get('payment-response')!).errorReason).toBe('bitstream_replayed');

    // a call over its cap pays nothing and changes nothing
    const capped = await alice.api<{ error: { code: string } }>('POST', '/v1/fetch', { url: `${instances[0]!.base}/api/quote`, maxAmount: '10' });
    expect(capped.status).toBe(400);
    expect(capped.body.error.code).toBe('X402_OVER_REQUEST_CAP');
    const dear = await alice.api<{ error: { code: string } }>('POST', '/v1/fetch', { url: `${instances[0]!.base}/api/report`, maxAmount: '4999' });
    expect(dear.body.error.code).toBe('X402_OVER_REQUEST_CAP');
    expect((await bob.api<{ nonce: string }>('GET', `/v1/channels/${channelId}`)).body.nonce).toBe(String(n + 1));

    // Bob's node closes: his earnings land on-chain
    const closed = await bob.api<{ phase: string }>('POST', `/v1/channels/${channelId}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.phase).toBe('closed');
    await expect.poll(async () => (await view.stx(bob.principal)) + (await feesPaid(bob)), { timeout: 15_000 }).toBe(stxBefore.b + earned);
    await expect.poll(async () => (await view.stx(alice.principal)) + (await feesPaid(alice)), { timeout: 15_000 }).toBe(stxBefore.a - earned);
  }, 300_000);

  it('Bob\'s node killed mid-stream and restarted: nothing served without a durable payment; at most the call in flight paid and not served, and Alice was told', async () => {
    // a fresh channel (the first test closed its own; run alone, Alice's node may pay on either)
    const opened = await alice.api<{ id: string }>('POST', '/v1/channels', { peer: bob.principal, amount: OPENING.toString() });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const servedBefore = instances.map((i) => i.payments.length);
    const call = () => alice.api<Paid & { error?: { code: string } }>('POST', '/v1/fetch', { url: `${instances[0]!.base}/api/quote` });
    const firstTx = (await call()).body.payment?.transaction ?? '';
    const [id, firstNonce] = firstTx.split(':') as [string, string];
    const start = BigInt(firstNonce) - 1n;
    // the balances at the first call's state: every later state moves them by PRICE
    const read = async (n: NodeProcess) => (await n.api<{ nonce: string; balance: string; busy: boolean }>('GET', `/v1/channels/${id}`)).body;
    const aliceAt1 = BigInt((await read(alice)).balance);
    const bobAt1 = BigInt((await until(() => read(bob), (b) => b.nonce === firstNonce)).balance);
    for (let i = 1; i < 30; i++) expect((await call()).body.payment?.transaction).toBe(`${id}:${start + BigInt(i) + 1n}`);

    const inFlight = call();
    await new Promise((r) => setTimeout(r, 3));
    bob.proc.kill('SIGKILL');
    await bob.exited;
    const during = await inFlight;
    const servedDuring = during.status === 200 && during.body.status === 200 && during.body.payment !== null;
    if (!servedDuring) {
      // told: the proposal went unanswered, or the paid request was refused unsettled
      expect(during.body.error?.code ?? `status ${during.body.status}`).toMatch(/X402_UNANSWERED|status 402|status 500/);
    }
    bob = await startNode(bobEnv);
    // Alice reconnects; whatever was in flight between them finishes over the peer link
    await expect.poll(async () => {
      const [a, b] = await Promise.all([alice.api<{ nonce: string; busy: boolean }>('GET', `/v1/channels/${id}`), bob.api<{ nonce: string; busy: boolean }>('GET', `/v1/channels/${id}`)]);
      return a.body.nonce === b.body.nonce && !a.body.busy && !b.body.busy;
    }, { timeout: 60_000, interval: 250 }).toBe(true);
    for (let i = 0; i < 30; i++) {
      const r = await call();
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.status).toBe(200);
    }

    const atBob = (await bob.api<{ nonce: string; balance: string }>('GET', `/v1/channels/${id}`)).body;
    const atAlice = (await alice.api<{ nonce: string; balance: string }>('GET', `/v1/channels/${id}`)).body;
    const taken = BigInt(atBob.nonce) - start;
    expect(atAlice.nonce).toBe(atBob.nonce);
    expect(aliceAt1 - BigInt(atAlice.balance)).toBe(PRICE * (taken - 1n));
    expect(BigInt(atBob.balance) - bobAt1).toBe(PRICE * (taken - 1n));
    // every request served on this channel was paid by its own state, durable at Bob's node
    const served = instances.flatMap((inst, k) => inst.payments.slice(servedBefore[k]))
      .map((h) => JSON.parse(Buffer.from(h, 'base64').toString('utf8')) as { payload: { channelId: string; nonce: string } })
      .filter((p) => p.payload.channelId === id)
      .map((p) => BigInt(p.payload.nonce));
    expect(new Set(served).size).toBe(served.length);
    for (const n of served) expect(n > start && n <= start + taken).toBe(true);
    // paid and not served: only the call the kill cut, which Alice was told had failed
    const unserved = Number(taken) - served.length;
    expect(unserved).toBeGreaterThanOrEqual(0);
    expect(unserved).toBeLessThanOrEqual(servedDuring ? 0 : 1);
  }, 300_000);

  it('a metered route keeps what the request used and pays the rest back; a handler that fails pays it all back', async () => {
    const balanceAt = async (n: NodeProcess, id: string) => (await n.api<{ nonce: string; balance: string; busy: boolean }>('GET', `/v1/channels/${id}`)).body;
    const before = new Map((await bob.api<{ id: string; balance: string }[]>('GET', '/v1/channels')).body.map((c) => [c.id, BigInt(c.balance)]));
    const r = await alice.api<Paid>('POST', '/v1/fetch', { url: `${instances[0]!.base}/api/compute?units=7` });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe(200);
    expect(r.body.payment).toMatchObject({ amount: '70', refund: { amount: '930', status: 'completed' } });
    const [id, nonce] = r.body.payment!.transaction.split(':') as [string, string];
    // the state paid the 1000 authorised; the refund is the next state, from Bob
    const bob1 = await until(() => balanceAt(bob, id), (b) => b.nonce === String(BigInt(nonce) + 1n) && !b.busy);
    const alice1 = await until(() => balanceAt(alice, id), (a) => a.nonce === bob1.nonce && !a.busy);
    expect(BigInt(bob1.balance) - before.get(id)!).toBe(70n); // 7 units at 10: what it used, no more
    expect(alice1.nonce).toBe(bob1.nonce);

    const broken = await alice.api<Paid>('POST', '/v1/fetch', { url: `${instances[1]!.base}/api/broken` });
    expect(broken.body.status).toBe(500);
    expect(broken.body.payment).toMatchObject({ amount: '0', refund: { amount: '40', status: 'completed' } });
    // its payment, the offer of the next call (passed over by the refund), the refund
    const bob2 = await until(() => balanceAt(bob, id), (b) => b.nonce === String(BigInt(bob1.nonce) + 3n) && !b.busy);
    expect(BigInt(bob2.balance)).toBe(BigInt(bob1.balance)); // paid 40, 40 back: nothing kept for a request not served
    const alice2 = await until(() => balanceAt(alice, id), (a) => a.nonce === bob2.nonce && !a.busy);
    expect(BigInt(alice2.balance)).toBe(BigInt(alice1.balance));
  }, 120_000);
});
