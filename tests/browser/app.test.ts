// The dApp (client/app) in real Chromium, started as `npm run app` starts it (launchApp:
// a hub node process, the faucet, the built page with its config.json; the chain in its
// own process here, as the test environment resets the simnet in this one), with a test
// wallet behind Leather's request API that signs with a devnet key and broadcasts real
// transactions. Driven as a person would: the buttons and fields, read back from what the
// page shows (the figures carry their units in data-units). Each main screen is saved as
// a screenshot under test-results/app/ (not committed). Loopback only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type RunningApp } from '../../client/app/launch.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { DEVNET_ACCOUNTS } from '../../client/src/devnet/accounts.js';
import { HAVE_CHROMIUM, launchChromium } from './chromium.js';
import { startChainProcess } from '../e2e/fixtures/node-process.js';
import { TestWallet } from './fixtures/test-wallet.js';

const SHOTS = join(process.cwd(), 'test-results', 'app');
let chain: Awaited<ReturnType<typeof startChainProcess>>;
let app: RunningApp;
let browser: Browser;
let demo: DemoChain;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  mkdirSync(SHOTS, { recursive: true });
  chain = await startChainProcess({ blockMs: 50, burnMs: 1_000 });
  [app, browser] = await Promise.all([launchApp({ port: 0, chainUrl: chain.url, minify: false }), launchChromium()]);
  demo = new DemoChain(app.chainUrl, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await app?.stop();
  chain?.proc.kill('SIGTERM');
  await chain?.exited;
});

/** A fresh browser profile with `wallet` installed, on the page; nothing leaves loopback. */
async function openPage(wallet: TestWallet): Promise<{ tab: Page; offHost: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  contexts.push(context);
  const offHost: string[] = [];
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => (offHost.push(route.request().url()), route.abort()));
  await wallet.install(context);
  const tab = await context.newPage();
  tab.on('dialog', (d) => void d.accept());
  await tab.goto(app.pageUrl);
  await tab.waitForSelector('#progress:has-text("connect your wallet")');
  return { tab, offHost };
}

const units = async (tab: Page, id: string) => BigInt((await tab.getAttribute(`#${id}`, 'data-units'))!);
const phase = (tab: Page, p: string) => tab.waitForSelector(`#phase[data-phase="${p}"]`, { timeout: 60_000 });
const shot = (tab: Page, name: string) => tab.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function connectAndOpen(tab: Page, amount: string): Promise<void> {
  await tab.click('#connect');
  await tab.waitForSelector('#open-card:not([hidden])');
  await tab.fill('#open-amount', amount);
  await tab.click('#open');
  await phase(tab, 'open');
}

async function burst(tab: Page, n: number, each: string, nonce: bigint): Promise<void> {
  await tab.fill('#burst-count', String(n));
  await tab.fill('#burst-amount', each);
  await tab.click('#burst');
  await tab.waitForSelector(`#nonce[data-units="${nonce}"]`, { timeout: 60_000 });
}

interface HubView { balance: string; peerBalance: string; nonce: string; phase: string }
const hubView = async (id: string) => (await app.hub.api<HubView>('GET', `/v1/channels/${id}`)).body;
const channelIdOf = async (tab: Page) => (await tab.getAttribute('#channel-id', 'title'))!;

describe.skipIf(!HAVE_CHROMIUM)('the dApp in Chromium with a wallet (needs /usr/bin/chromium)', () => {
  it('opens through the wallet, pays 100 times, deposits, withdraws and closes: the chain pays what the page showed', async () => {
    const wallet = new TestWallet(DEVNET_ACCOUNTS.wallet_1, app.chainUrl);
    const { tab, offHost } = await openPage(wallet);
    await shot(tab, '1-connect');
    const hubBefore = await demo.stx(app.hub.principal);
    await connectAndOpen(tab, '1');
    // the account's balances as the chain has them (launchApp's faucet gave each payer 0.5 sBTC)
    await expect.poll(async () => units(tab, 'balance-sBTC'), { timeout: 10_000 }).toBe(50_000_000n);
    // two prompts: the session key's delegation, then create-channel in deny mode naming it as signer
    expect(wallet.asked.map((a) => a.method)).toEqual(['getAddresses', 'stx_signStructuredMessage', 'stx_callContract']);
    expect(wallet.asked[2]!.params).toMatchObject({ functionName: 'create-channel', postConditionMode: 'deny' });
    expect(await units(tab, 'own')).toBe(1_000_000n);

    await burst(tab, 100, '0.001', 100n);
    const id = await channelIdOf(tab);
    expect([await units(tab, 'own'), await units(tab, 'hub')]).toEqual([900_000n, 100_000n]);
    expect(await hubView(id)).toMatchObject({ balance: '100000', peerBalance: '900000', nonce: '100' });
    // no more wallet prompts for the payments
    expect(wallet.asked).toHaveLength(3);
    await shot(tab, '2-channel-paying');

    await tab.fill('#deposit-amount', '0.5');
    await tab.click('#deposit');
    await tab.waitForSelector('#progress:has-text("deposit landed")', { timeout: 60_000 });
    expect(await units(tab, 'own')).toBe(1_400_000n);
    await tab.fill('#withdraw-amount', '0.25');
    await tab.click('#withdraw');
    await tab.waitForSelector('#progress:has-text("withdrawal landed")', { timeout: 60_000 });
    expect(await units(tab, 'own')).toBe(1_150_000n);
    expect((await hubView(id)).peerBalance).toBe('1150000');
    // the account's balance on the page is the chain's
    await expect.poll(async () => units(tab, 'balance-STX'), { timeout: 10_000 }).toBe(await demo.stx(DEVNET_ACCOUNTS.wallet_1.address));
    await shot(tab, '3-deposit-withdraw');

    const walletBefore = await demo.stx(DEVNET_ACCOUNTS.wallet_1.address);
    await tab.click('#close');
    await phase(tab, 'closed');
    const rows = await tab.$$eval('#txs tr', (trs) => trs.map((t) => [t.getAttribute('data-kind'), t.getAttribute('data-status')]));
    expect(rows).toEqual([['close-channel', 'success'], ['withdraw', 'success'], ['fund-channel', 'success'], ['create-channel', 'success']]);
    const closeTx = wallet.asked.at(-1)!;
    expect(closeTx.params).toMatchObject({ functionName: 'close-channel', postConditionMode: 'deny' });
    // both sides paid at once, as the last state says: the hub its 100,000, the account the rest less the close's fee
    expect(await demo.stx(app.hub.principal)).toBe(hubBefore + 100_000n);
    const fee = (await wallet.broadcaster.mined(String((await tab.$$eval('#txs code', (c) => c.map((x) => x.getAttribute('title'))))[0]))).fee;
    expect(await demo.stx(DEVNET_ACCOUNTS.wallet_1.address)).toBe(walletBefore + 1_150_000n - fee);
    await shot(tab, '4-closed');
    expect(offHost).toEqual([]);
  });
});
