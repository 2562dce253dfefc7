// Invoices between two node processes on the local chain, through the API and the CLI:
// Bob issues, Alice decodes and pays over their channel (an HTLC Bob fulfils with the
// invoice's secret, which is Alice's proof of payment), many times over. And every bad
// invoice is refused with its own code while nothing moves: a replayed one (paid
// already), an altered one, one signed by a key that is not the payee's, an expired one,
// one for another chain, one in a token no channel carries, and one on a hash the payee
// never issued (the payee fails the HTLC and the payer gets its money back at once).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_ID_MAINNET } from '../../client/src/config/networks.js';
import { sha256 } from '../../client/src/crypto/sha256.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { PARTIES } from '../../client/src/demo/accounts.js';
import { encodeBody, invoiceText, splitInvoice, type InvoiceFields } from '../../client/src/invoice/invoice.js';
import { createInvoice } from '../../client/src/invoice/sign.js';
import { cli, startChainProcess, startNode, type NodeProcess } from './fixtures/node-process.js';

const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-invoices-e2e-'));
let chain: Awaited<ReturnType<typeof startChainProcess>>;
let alice: NodeProcess;
let bob: NodeProcess;
let channelId: string;

interface Channel { balance: string; peerBalance: string; nonce: string; busy: boolean }
interface Paid { status: string; secret: string; amount: string; fee: string; paymentHash: string; payee: string }
interface Failure { error: { code: string; message: string } }

beforeAll(async () => {
  chain = await startChainProcess({ blockMs: 50, burnMs: 150 });
  [alice, bob] = await Promise.all([
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'alice'), key: hex(PARTIES.alice.privateKey), token: 'alice-token' }),
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'bob'), key: hex(PARTIES.bob.privateKey), token: 'bob-token' }),
  ]);
  expect((await alice.api('POST', '/v1/peers', { url: bob.peerUrl, principal: bob.principal })).status).toBe(200);
  const opened = await alice.api<{ id: string }>('POST', '/v1/channels', { peer: bob.principal, amount: '1000000' });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  channelId = opened.body.id;
});

afterAll(async () => {
  for (const n of [alice, bob]) n?.proc.kill('SIGTERM');
  await Promise.all([alice?.exited, bob?.exited]);
  chain?.proc.kill('SIGTERM');
  await chain?.exited;
  rmSync(dir, { recursive: true, force: true });
});

const channel = async (n: NodeProcess) => (await n.api<Channel>('GET', `/v1/channels/${channelId}`)).body;
/**
 * The channel once nothing is under way on it and no HTLC stands in it (the payer has the
 * secret as soon as the payee shows it, and the payee's fulfil state follows).
 */
const settled = async (n: NodeProcess) => {
  await expect.poll(async () => {
    const c = await channel(n);
    return !c.busy && BigInt(c.balance) + BigInt(c.peerBalance) === 1_000_000n;
  }, { timeout: 5_000 }).toBe(true);
  return channel(n);
};
const issue = async (amount: string, extra: Record<string, unknown> = {}) => {
  const r = await bob.api<{ invoice: string; paymentHash: string }>('POST', '/v1/invoices', { amount, ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};
/** Bob's own key signs whatever fields the test gives: invoices only the test could make. */
const bobSigned = async (over: Partial<InvoiceFields>) => {
  const base = splitInvoice((await issue('10')).invoice).fields;
  return (await createInvoice({ ...base, ...over }, (h) => nobleBackend.sign(h, PARTIES.bob.privateKey))).text;
};

describe('invoices between two nodes', () => {
  it('Bob issues, Alice decodes and pays through the CLI; the secret proves it; 200 more through the API', async () => {
    const made = await cli(bob, ['--json', 'invoice', 'create', '2500', '--memo', 'two coffees']);
    expect(made.code, made.stderr).toBe(0);
    const inv = JSON.parse(made.stdout) as { invoice: string; paymentHash: string; payee: string; memo: string };
    expect(inv.invoice).toMatch(/^bitstream1/);
    expect(inv).toMatchObject({ payee: bob.principal, memo: 'two coffees' });

    const decoded = await cli(alice, ['invoice', 'decode', inv.invoice]);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(decoded.stdout).toMatch(new RegExp(`route\\s+channel ${channelId}, fee 0, total 2,500`));

    const paid = await cli(alice, ['--json', 'pay', inv.invoice]);
    expect(paid.code, paid.stderr).toBe(0);
    const p = JSON.parse(paid.stdout) as Paid;
    expect(p).toMatchObject({ status: 'paid', amount: '2500', fee: '0', paymentHash: inv.paymentHash, payee: bob.principal });
    expect(hex(sha256(Buffer.from(p.secret, 'hex')))).toBe(inv.paymentHash);
    await expect.poll(async () => (await bob.api<{ status: string }>('GET', `/v1/invoices/${inv.paymentHash}`)).body.status, { timeout: 5_000 }).toBe('paid');
    await expect.poll(async () => (await channel(alice)).balance, { timeout: 5_000 }).toBe(String(1_000_000 - 2_500));

    const before = BigInt((await channel(alice)).balance);
    const invoices = await Promise.all(Array.from({ length: 200 }, (_, i) => issue(String(100 + i))));
    for (let k = 0; k < invoices.length; k += 8) {
      const batch = invoices.slice(k, k + 8);
      const answers = await Promise.all(batch.map((x) => alice.api<Paid>('POST', '/v1/invoices/pay', { invoice: x.invoice })));
      for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(200);
    }
    const total = invoices.reduce((s, _x, i) => s + BigInt(100 + i), 0n);
    await expect.poll(async () => BigInt((await channel(alice)).balance), { timeout: 10_000 }).toBe(before - total);
    await expect.poll(async () => (await channel(bob)).balance, { timeout: 10_000 }).toBe(String(2_500n + total));
    // no HTLC is left standing: every state's balances add up to the channel
    const a = await channel(alice);
    expect(BigInt(a.balance) + BigInt(a.peerBalance)).toBe(1_000_000n);
  });
});

describe('bad invoices change nothing', () => {
  it('a replayed invoice is refused: NODE_INVOICE_PAID, twice at once too', async () => {
    const inv = await issue('700');
    const [first, second] = await Promise.all([
      alice.api<Paid | Failure>('POST', '/v1/invoices/pay', { invoice: inv.invoice }),
      alice.api<Paid | Failure>('POST', '/v1/invoices/pay', { invoice: inv.invoice }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const before = await settled(alice);
    const again = await alice.api<Failure>('POST', '/v1/invoices/pay', { invoice: inv.invoice });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('NODE_INVOICE_PAID');
    expect(await settled(alice)).toEqual(before);
  });

  it('altered, forged, expired, other-chain and malformed invoices are 400 with their codes', async () => {
    const before = await settled(alice);
    const genuine = splitInvoice((await issue('900')).invoice);
    const altered = invoiceText(encodeBody({ ...genuine.fields, amount: 9n }), genuine.signature);
    const forged = (await createInvoice(genuine.fields, (h) => nobleBackend.sign(h, PARTIES.alice.privateKey))).text;
    const expired = await bobSigned({ createdAt: Math.floor(Date.now() / 1000) - 3_600, expirySeconds: 60 });
    const mainnet = await bobSigned({ chainId: CHAIN_ID_MAINNET });
    const cases: [string, string][] = [
      [altered, 'INVOICE_BAD_SIGNATURE'], [forged, 'INVOICE_BAD_SIGNATURE'], [expired, 'INVOICE_EXPIRED'], [mainnet, 'INVOICE_WRONG_NETWORK'],
      ['lnbc1qqqqqqqqqqqqqqqq', 'NODE_BAD_REQUEST'], ['bitstream1qqqqqqqqqqqqqqqqqqqqqq', 'INVOICE_MALFORMED'],
    ];
    for (const [invoice, code] of cases) {
      for (const path of ['/v1/invoices/pay', '/v1/invoices/decode']) {
        const r = await alice.api<Failure>('POST', path, { invoice });
        expect(r.status, `${path} ${code}`).toBe(400);
        expect(r.body.error.code).toBe(code);
      }
    }
    expect(await channel(alice)).toEqual(before);
    // the CLI shows the code and exits 1
    const r = await cli(alice, ['pay', altered]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INVOICE_BAD_SIGNATURE/);
  });

  it('an invoice in a token no channel carries has no route: NODE_NO_ROUTE, and decode says so', async () => {
    const inv = await issue('50', { token: 'sbtc' });
    const before = await settled(alice);
    const r = await alice.api<Failure>('POST', '/v1/invoices/pay', { invoice: inv.invoice });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('NODE_NO_ROUTE');
    const d = await alice.api<{ route: null; routeError: { code: string } }>('POST', '/v1/invoices/decode', { invoice: inv.invoice });
    expect(d.body).toMatchObject({ route: null, routeError: { code: 'NODE_NO_ROUTE' } });
    // a failed route is no payment: paying it later, once a route exists, is not refused as a replay
    expect((await alice.api('GET', `/v1/invoices/${inv.paymentHash}`)).status).toBe(404);
    expect(await channel(alice)).toEqual(before);
  });

  it('a payee fails an HTLC on a hash it never issued: 422 PAYMENT_FAILED, the money back at once', async () => {
    const before = await settled(alice);
    const stranger = await bobSigned({ paymentHash: sha256(new Uint8Array(32).fill(0x42)) });
    const r = await alice.api<Failure>('POST', '/v1/invoices/pay', { invoice: stranger, timeoutMs: 20_000 });
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.error.code).toBe('PAYMENT_FAILED');
    const after = await settled(alice);
    expect(after.balance).toBe(before.balance);
    expect(BigInt(after.nonce)).toBe(BigInt(before.nonce) + 2n); // the HTLC, then its failure
    const status = await alice.api<{ status: string; reason: string }>('GET', `/v1/invoices/${hex(sha256(new Uint8Array(32).fill(0x42)))}`);
    expect(status.body).toMatchObject({ status: 'failed' });
  });

  it('issuing refuses bad bodies: zero amount, an unknown token, a long memo, an expiry out of range', async () => {
    for (const b of [{ amount: '0' }, { amount: '5', token: 'doge' }, { amount: '5', memo: 'x'.repeat(201) }, { amount: '5', expirySeconds: 10 }, { amount: '5', extra: 1 }]) {
      const r = await bob.api<Failure>('POST', '/v1/invoices', b);
      expect(r.status, JSON.stringify(b)).toBe(400);
      expect(r.body.error.code).toBe('NODE_BAD_REQUEST');
    }
    expect((await bob.api<Failure>('GET', `/v1/invoices/${'ab'.repeat(32)}`)).body.error.code).toBe('NODE_UNKNOWN_INVOICE');
  });
});
