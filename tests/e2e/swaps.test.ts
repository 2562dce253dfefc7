// Cross-asset swaps between two node processes on the local chain (PROTOCOL §5): Alice
// has an STX channel and an sBTC channel with the Hub, and swaps one for the other
// through the API and the CLI at the Hub's rates, both ways, each swap locked by one
// hash. Atomic in the success case (every balance exactly as priced) and in every abort
// we can construct: a price above Alice's cap, more than the Hub holds, a pair the Hub
// has no rate for, the same token on both sides, a Hub that makes no swaps — each
// refused with nothing moved — and the Hub SIGKILLed with swaps in flight: after its
// restart every swap is either done on both sides or on neither.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYER, PARTIES } from '../../client/src/demo/accounts.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { faucet } from '../../client/src/demo/setup.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { cli, freePort, startChainProcess, startNode, teardown, channelReader, type NodeProcess } from './fixtures/node-process.js';

const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-swaps-e2e-'));
/** the Hub gives 1 sat for 3,000 µSTX, and 2,900 µSTX for 1 sat */
const RATES = 'stx/sbtc=3000:1,sbtc/stx=1:2900';
const stxFor = (sats: bigint) => sats * 3_000n;
const satsFor = (ustx: bigint) => (ustx + 2_899n) / 2_900n;
const STX_OPENING = 50_000_000n;
const SBTC_OPENING = 100_000n;

let chain: Awaited<ReturnType<typeof startChainProcess>>;
let alice: NodeProcess;
let hub: NodeProcess;
let hubPort: number;
let stxChannel: string;
let sbtcChannel: string;

interface Channel { balance: string; peerBalance: string; busy: boolean; peerConnected: boolean }
interface Swap { price: string; amount: string; status: string; bought: boolean; paymentHash: string; sellChannel: string; buyChannel: string }
interface Failure { error: { code: string; message: string; details?: Record<string, unknown> } }

const hubEnv = (rates: string | null) => ({
  chainUrl: '', dataDir: join(dir, 'hub'), key: hex(PARTIES.bob.privateKey), token: 'hub-token',
  extra: { BITSTREAM_PEER_PORT: String(hubPort), BITSTREAM_FORWARD_DELTA: '6', ...(rates === null ? { BITSTREAM_FORWARD: '0' } : { BITSTREAM_SWAP_RATES: rates }) },
});

beforeAll(async () => {
  // a burn block a second, and a margin over the payee's need that covers a Hub restart
  chain = await startChainProcess({ blockMs: 50, burnMs: 1_000 });
  hubPort = await freePort();
  // the Hub's sBTC, from the stand-in's faucet
  await new DemoChain(chain.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry }).submit(faucet(SBTC_OPENING, PARTIES.bob.address), DEPLOYER);
  [alice, hub] = await Promise.all([
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'alice'), key: hex(PARTIES.alice.privateKey), token: 'alice-token', extra: { BITSTREAM_INVOICE_MARGIN: '10' } }),
    startNode({ ...hubEnv(RATES), chainUrl: chain.url }),
  ]);
  expect((await alice.api('POST', '/v1/peers', { url: hub.peerUrl, principal: hub.principal })).status).toBe(200);
  const [stx, sbtc] = await Promise.all([
    alice.api<{ id: string }>('POST', '/v1/channels', { peer: hub.principal, amount: String(STX_OPENING) }),
    hub.api<{ id: string }>('POST', '/v1/channels', { peer: alice.principal, amount: String(SBTC_OPENING), token: 'sbtc' }),
  ]);
  expect(stx.status, JSON.stringify(stx.body)).toBe(201);
  expect(sbtc.status, JSON.stringify(sbtc.body)).toBe(201);
  stxChannel = stx.body.id;
  sbtcChannel = sbtc.body.id;
});

afterAll(() => teardown([alice, hub], chain, dir));

const { read: channel, settled } = channelReader<Channel>();
/** Alice's own balance on each channel, once nothing is under way */
const balances = async () => ({ stx: BigInt((await settled(alice, stxChannel)).balance), sbtc: BigInt((await settled(alice, sbtcChannel)).balance) });
const swap = (sell: string, buy: string, amount: bigint, extra: Record<string, unknown> = {}) =>
  alice.api<Swap & Failure>('POST', '/v1/swaps', { peer: hub.principal, sell, buy, amount: String(amount), ...extra });

describe('swaps between an STX and an sBTC channel', () => {
  it('quotes, then swaps STX for sBTC and back, through the CLI and the API, every balance as priced', async () => {
    const quoted = await cli(alice, ['swap', '--quote', hub.principal, 'stx', 'sbtc', '1000']);
    expect(quoted.code, quoted.stderr).toBe(0);
    expect(quoted.stdout).toContain(`${hub.principal} asks 3,000,000 stx for 1,000 sbtc`);
    const start = await balances();
    const ran = await cli(alice, ['--json', 'swap', hub.principal, 'stx', 'sbtc', '1000', '--max-sell', '3000000']);
    expect(ran.code, ran.stderr).toBe(0);
    const first = JSON.parse(ran.stdout) as Swap;
    expect(first).toMatchObject({ status: 'paid', bought: true, price: '3000000', sellChannel: stxChannel, buyChannel: sbtcChannel });
    expect(await balances()).toEqual({ stx: start.stx - 3_000_000n, sbtc: start.sbtc + 1_000n });
    expect((await alice.api<{ status: string; bought: boolean }>('GET', `/v1/swaps/${first.paymentHash}`)).body).toMatchObject({ status: 'paid', bought: true });

    // 20 each way, a few at once; each priced by the Hub's rate for its direction
    let stx = 3_000_000n;
    let sats = 1_000n;
    const jobs: (() => Promise<void>)[] = [];
    for (let i = 1; i <= 20; i++) {
      jobs.push(async () => {
        const r = await swap('stx', 'sbtc', BigInt(10 * i));
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body.price).toBe(String(stxFor(BigInt(10 * i))));
        stx += stxFor(BigInt(10 * i));
        sats += BigInt(10 * i);
      });
      jobs.push(async () => {
        const r = await swap('sbtc', 'stx', BigInt(10_000 * i));
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body.price).toBe(String(satsFor(BigInt(10_000 * i))));
        stx -= BigInt(10_000 * i);
        sats -= satsFor(BigInt(10_000 * i));
      });
    }
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }));
    expect(await balances()).toEqual({ stx: start.stx - stx, sbtc: start.sbtc + sats });
    // the Hub's side mirrors Alice's exactly
    expect(BigInt((await settled(hub, stxChannel)).balance)).toBe(STX_OPENING - (start.stx - stx));
    expect(BigInt((await settled(hub, sbtcChannel)).balance)).toBe(SBTC_OPENING - (start.sbtc + sats));
    const report = await hub.api<{ settled: number; recent: { inToken: string | null; token: string | null; fee: string }[] }>('GET', '/v1/forwards');
    expect(report.body.settled).toBe(41);
    expect(report.body.recent.every((f) => f.fee === '0' && f.inToken !== f.token)).toBe(true);
  });

  it('every refusal leaves both channels as they were', async () => {
    const before = await balances();
    const over = await swap('stx', 'sbtc', 1_000n, { maxSell: String(stxFor(1_000n) - 1n) });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: 'NODE_NO_ROUTE', message: expect.stringContaining('more than the') as string });
    const tooMuch = await swap('stx', 'sbtc', SBTC_OPENING * 2n);
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.code).toBe('NODE_NO_ROUTE');
    const same = await swap('stx', 'stx', 5n);
    expect(same.status).toBe(400);
    const cli409 = await cli(alice, ['swap', hub.principal, 'stx', 'sbtc', String(SBTC_OPENING * 2n)]);
    expect(cli409.code).not.toBe(0);
    expect(cli409.stderr).toContain('NODE_NO_ROUTE');
    for (const bad of [{ sell: 'dogecoin' }, { amount: '0' }, { amount: '-5' }, { peer: 'nobody' }]) {
      const r = await alice.api<Failure>('POST', '/v1/swaps', { peer: hub.principal, sell: 'stx', buy: 'sbtc', amount: '5', ...bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    expect(await balances()).toEqual(before);
  });

  it('a Hub with only one direction, or none, refuses the others; nothing moves', async () => {
    const before = await balances();
    for (const [rates, sell, buy, peerCode] of [['stx/sbtc=3000:1', 'sbtc', 'stx', 'NODE_NO_ROUTE'], [null, 'stx', 'sbtc', 'NODE_OPEN_REFUSED']] as const) {
      hub.proc.kill('SIGTERM');
      await hub.exited;
      hub = await startNode({ ...hubEnv(rates), chainUrl: chain.url });
      await expect.poll(async () => (await channel(alice, stxChannel)).peerConnected, { timeout: 15_000 }).toBe(true);
      const r = await swap(sell, buy, 100n);
      expect(r.status, JSON.stringify(r.body)).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'NODE_NO_ROUTE', details: { peerCode } });
    }
    expect(await balances()).toEqual(before);
    hub.proc.kill('SIGTERM');
    await hub.exited;
    hub = await startNode({ ...hubEnv(RATES), chainUrl: chain.url });
    await expect.poll(async () => (await channel(alice, stxChannel)).peerConnected, { timeout: 15_000 }).toBe(true);
  });

  it('the Hub killed with swaps in flight: after its restart each swap is done on both sides or on neither', async () => {
    const before = await balances();
    const amounts = Array.from({ length: 12 }, (_, i) => BigInt(100 + i));
    // all at once, with a short wait: some finish, some are under way when the Hub dies, and
    // one may be an HTLC offer the Hub has not signed yet: its answer comes at its timeout
    // all the same (pending), never only once the Hub is back (which waits for the answers)
    const started = amounts.map((a) => swap('stx', 'sbtc', a, { timeoutMs: 5_000 }));
    await new Promise((r) => setTimeout(r, 150));
    hub.proc.kill('SIGKILL');
    await hub.exited;
    const answers = await Promise.all(started);
    hub = await startNode({ ...hubEnv(RATES), chainUrl: chain.url });
    const hashes = answers.map((r) => (r.body as Swap).paymentHash ?? null);
    // every swap that got as far as its HTLC is followed to its end
    const ends: { amount: bigint; status: string; bought: boolean }[] = [];
    for (const [i, r] of answers.entries()) {
      if (r.status === 200) {
        ends.push({ amount: amounts[i]!, status: 'paid', bought: true });
        continue;
      }
      expect([202, 409, 422, 504], JSON.stringify(r.body)).toContain(r.status);
      const hash = hashes[i] ?? (r.body.error as { details?: { paymentHash?: string } }).details?.paymentHash ?? null;
      if (hash === null) continue; // refused before any HTLC: nothing locked
      // a swap whose HTLC the Hub took but never forwarded ends at its expiry (the Hub may not refund
      // upstream before it knows the downstream HTLC can no longer stand): about 35 tenures here
      await expect.poll(async () => (await alice.api<{ status: string }>('GET', `/v1/swaps/${hash}`)).body.status, { timeout: 90_000, interval: 250 }).not.toBe('in-flight');
      const s = (await alice.api<{ status: string; bought: boolean }>('GET', `/v1/swaps/${hash}`)).body;
      ends.push({ ...s, amount: amounts[i]! });
    }
    // atomic: bought exactly when paid
    for (const e of ends) expect(e.bought, JSON.stringify(e)).toBe(e.status === 'paid');
    const done = ends.filter((e) => e.status === 'paid').reduce((s, e) => s + e.amount, 0n);
    expect(await balances()).toEqual({ stx: before.stx - stxFor(done), sbtc: before.sbtc + done });
    // and the channels swap on as before
    await expect.poll(async () => (await channel(alice, stxChannel)).peerConnected, { timeout: 15_000 }).toBe(true);
    expect((await swap('stx', 'sbtc', 7n)).status).toBe(200);
    expect(await balances()).toEqual({ stx: before.stx - stxFor(done + 7n), sbtc: before.sbtc + done + 7n });
  });
});
