// Payments through a hub, between three node processes on the local chain: Carol's
// invoices name the Hub (a route hint with its fee), Alice has a channel only with the
// Hub, and pays them through it — 1,000 of them, each with the fee the Hub's hint
// quoted, every balance exactly as the fees say. Then the Hub's upstream peer goes
// silent after Carol has taken the secret: the Hub's tower reveals it on-chain before
// the upstream expiry, the Hub closes the channel alone and is paid the HTLC, so it
// ends whole (it paid Carol off-chain, and is paid on-chain).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../client/src/crypto/sha256.js';
import { PARTIES } from '../../client/src/demo/accounts.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { cli, feesPaid, freePort, startChainProcess, startNode, teardown, channelReader, type NodeProcess } from './fixtures/node-process.js';

const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-forwarding-e2e-'));
const FEE_BASE = 2n;
const FEE_PPM = 10_000n;
const feeOf = (amount: bigint) => FEE_BASE + (amount * FEE_PPM + 999_999n) / 1_000_000n;
const OPENING = 20_000_000n;

let chain: Awaited<ReturnType<typeof startChainProcess>>;
let view: DemoChain;
let alice: NodeProcess;
let hub: NodeProcess;
let carol: NodeProcess;
let upstream: string;
let downstream: string;

interface Channel { balance: string; peerBalance: string; busy: boolean; phase: string }
interface Invoice { invoice: string; paymentHash: string; hints: { hubKey: string; feeBase: string; feePpm: number; expiryDelta: number }[] }

const hubEnv = (port: number) => ({
  chainUrl: '', dataDir: join(dir, 'hub'), key: hex(PARTIES.bob.privateKey), token: 'hub-token',
  extra: { BITSTREAM_FEE_BASE: String(FEE_BASE), BITSTREAM_FEE_PPM: String(FEE_PPM), BITSTREAM_FORWARD_DELTA: '6', BITSTREAM_PEER_PORT: String(port) },
});
/** the Hub keeps its peer port across its restart below, so its peers can redial it */
let hubPort: number;

beforeAll(async () => {
  // a burn block a second: a payee refuses an HTLC whose expiry leaves it less than its
  // final delta, and the payer's margin over that is 3 tenures
  chain = await startChainProcess({ blockMs: 50, burnMs: 1_000 });
  view = new DemoChain(chain.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
  hubPort = await freePort();
  [alice, hub, carol] = await Promise.all([
    // Alice's margin covers the Hub's restart below: the payee checks the expiry when the HTLC reaches it
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'alice'), key: hex(PARTIES.alice.privateKey), token: 'alice-token', extra: { BITSTREAM_INVOICE_MARGIN: '10' } }),
    startNode({ ...hubEnv(hubPort), chainUrl: chain.url }),
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'carol'), key: hex(PARTIES.carol.privateKey), token: 'carol-token', extra: { BITSTREAM_FORWARD: '0' } }),
  ]);
  expect((await alice.api('POST', '/v1/peers', { url: hub.peerUrl, principal: hub.principal })).status).toBe(200);
  expect((await carol.api('POST', '/v1/peers', { url: hub.peerUrl, principal: hub.principal })).status).toBe(200);
  const [up, down] = await Promise.all([
    alice.api<{ id: string }>('POST', '/v1/channels', { peer: hub.principal, amount: String(OPENING) }),
    hub.api<{ id: string }>('POST', '/v1/channels', { peer: carol.principal, amount: String(OPENING) }),
  ]);
  expect(up.status, JSON.stringify(up.body)).toBe(201);
  expect(down.status, JSON.stringify(down.body)).toBe(201);
  upstream = up.body.id;
  downstream = down.body.id;
});

afterAll(() => teardown([alice, hub, carol], chain, dir));

const { read: channel, settled } = channelReader<Channel>();
const issue = async (amount: bigint, extra: Record<string, unknown> = {}) => {
  const r = await carol.api<Invoice>('POST', '/v1/invoices', { amount: String(amount), ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};

describe('payments through a hub', () => {
  it('Carol\'s invoice names the Hub and its fee; Alice pays through it, as quoted; 1,000 more', async () => {
    const hubKey = (await hub.api<{ publicKey: string }>('GET', '/v1/info')).body.publicKey;
    const first = await issue(1_000n);
    expect(first.hints).toHaveLength(1);
    expect(first.hints[0]).toMatchObject({ hubKey, feeBase: String(FEE_BASE), feePpm: Number(FEE_PPM), expiryDelta: 6 });

    const q = await alice.api<{ route: { channelId: string; via: string; fee: string; total: string } }>('POST', '/v1/invoices/decode', { invoice: first.invoice });
    expect(q.body.route).toEqual({ channelId: upstream, via: hub.principal, fee: String(feeOf(1_000n)), total: String(1_000n + feeOf(1_000n)) });
    const shown = await cli(alice, ['invoice', 'decode', first.invoice]);
    expect(shown.stdout).toMatch(new RegExp(`via hub ${hub.principal}, fee 12, total 1,012`));

    const paid = await cli(alice, ['--json', 'pay', first.invoice]);
    expect(paid.code, paid.stderr).toBe(0);
    const p = JSON.parse(paid.stdout) as { status: string; fee: string; secret: string };
    expect(p).toMatchObject({ status: 'paid', fee: '12' });
    expect(hex(sha256(Buffer.from(p.secret, 'hex')))).toBe(first.paymentHash);

    const amounts = Array.from({ length: 1_000 }, (_, i) => BigInt(100 + i));
    let next = 0;
    const worker = async () => {
      while (next < amounts.length) {
        const amount = amounts[next++]!;
        const inv = await issue(amount);
        const r = await alice.api<{ status: string; fee: string }>('POST', '/v1/invoices/pay', { invoice: inv.invoice });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body.fee).toBe(String(feeOf(amount)));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    const sent = amounts.reduce((s, a) => s + a, 1_000n);
    const fees = amounts.reduce((s, a) => s + feeOf(a), feeOf(1_000n));
    expect((await settled(alice, upstream)).balance).toBe(String(OPENING - sent - fees));
    expect((await settled(hub, upstream)).balance).toBe(String(sent + fees));
    expect((await settled(hub, downstream)).balance).toBe(String(OPENING - sent));
    expect((await settled(carol, downstream)).balance).toBe(String(sent));
    // the hub's own account of it: every forward settled, its fees as quoted
    const report = await hub.api<{ settled: number; fees: Record<string, string>; recent: { status: string; fee: string }[] }>('GET', '/v1/forwards');
    expect(report.body.settled).toBe(1_001);
    expect(report.body.fees).toEqual({ stx: String(fees) });
    expect(report.body.recent).toHaveLength(100);
    expect(report.body.recent.every((f) => f.status === 'settled')).toBe(true);
  });

  it('the Hub killed with a forward under way comes back and finishes it', async () => {
    const amount = 3_000n;
    const inv = await issue(amount);
    const before = { alice: await settled(alice, upstream), carol: await settled(carol, downstream) };
    carol.proc.kill('SIGSTOP');
    const pending = await alice.api('POST', '/v1/invoices/pay', { invoice: inv.invoice, timeoutMs: 200 });
    expect(pending.status, JSON.stringify(pending.body)).toBe(202);
    // the Hub has offered Carol her HTLC (its proposal waits on her): kill it there
    await expect.poll(async () => (await channel(hub, downstream)).busy, { timeout: 5_000 }).toBe(true);
    hub.proc.kill('SIGKILL');
    await hub.exited;
    hub = await startNode({ ...hubEnv(hubPort), chainUrl: chain.url });
    carol.proc.kill('SIGCONT');
    await expect.poll(async () => (await alice.api<{ status: string }>('GET', `/v1/invoices/${inv.paymentHash}`)).body.status, { timeout: 30_000, interval: 200 }).toBe('paid');
    expect((await carol.api<{ status: string }>('GET', `/v1/invoices/${inv.paymentHash}`)).body.status).toBe('paid');
    expect((await settled(carol, downstream)).balance).toBe(String(BigInt(before.carol.balance) + amount));
    expect((await settled(alice, upstream)).balance).toBe(String(BigInt(before.alice.balance) - amount - feeOf(amount)));
  });

  it('an upstream peer gone silent after the payee took the secret: the Hub reveals on-chain in time, closes, and ends whole', async () => {
    const amount = 5_000n;
    const inv = await issue(amount, { finalExpiryDelta: 6 });
    const before = { up: await settled(hub, upstream), down: await settled(hub, downstream) };
    // Carol does not answer yet, so the forward stands with her HTLC on its way
    carol.proc.kill('SIGSTOP');
    const pending = await alice.api<{ error: { code: string } }>('POST', '/v1/invoices/pay', { invoice: inv.invoice, timeoutMs: 200 });
    expect(pending.status, JSON.stringify(pending.body)).toBe(202);
    // Alice goes silent; Carol comes back, takes her HTLC with the secret: the Hub has it now
    alice.proc.kill('SIGSTOP');
    carol.proc.kill('SIGCONT');
    await expect.poll(async () => (await carol.api<{ status: string }>('GET', `/v1/invoices/${inv.paymentHash}`)).body.status, { timeout: 10_000 }).toBe('paid');
    expect((await settled(hub, downstream)).balance).toBe(String(BigInt(before.down.balance) - amount));

    // Alice never takes the secret off-chain: the Hub's tower reveals it before the expiry
    await expect.poll(async () => (await hub.api<{ kind: string; status: string }[]>('GET', '/v1/transactions')).body
      .some((t) => t.kind === 'reveal-secret' && t.status === 'success'), { timeout: 60_000, interval: 500 }).toBe(true);

    const stxBefore = await view.stx(hub.principal);
    const feesBefore = await feesPaid(hub);
    const closing = await hub.api<{ phase: string }>('POST', `/v1/channels/${upstream}/force-close`);
    expect(closing.status, JSON.stringify(closing.body)).toBe(200);
    await expect.poll(async () => (await channel(hub, upstream)).phase, { timeout: 60_000, interval: 500 }).toBe('closed');
    // paid its balance and the revealed HTLC: what it paid Carol, and its fee
    const owed = BigInt(before.up.balance) + amount + feeOf(amount);
    await expect.poll(async () => (await view.stx(hub.principal)) - stxBefore + (await feesPaid(hub)) - feesBefore, { timeout: 30_000, interval: 500 }).toBe(owed);
  });
});
