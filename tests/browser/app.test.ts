// The dApp (client/app) in real Chromium, started as `npm run app` starts it (launchApp:
// a hub node process, the faucet, the built page with its config.json; the chain in its
// own process here, as the test environment resets the simnet in this one), with a test
// wallet behind Leather's request API that signs with a devnet key and broadcasts real
// transactions. Driven as a person would: the buttons and fields, read back from what the
// page shows (the figures carry their units in data-units). Each main screen is saved as
// a screenshot under test-results/app/ (not committed). Loopback only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Cl, cvToString, deserializeCV, serializeCV } from '@stacks/transactions';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type RunningApp } from '../../client/app/launch.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { DEVNET_ACCOUNTS, type DevnetAccount } from '../../client/src/devnet/accounts.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { fromHex } from '../../client/src/wire/json.js';
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

// each test's browser profile ends with it: an account's page left open in another test
// would keep dialling the hub and take the link back from the next page of that account
afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  chain?.proc.kill('SIGTERM');
  await chain?.exited;
});

/** A fresh browser profile with `wallet` installed, on the page; nothing leaves loopback. */
async function openPage(wallet: TestWallet, viewport = { width: 1100, height: 900 }): Promise<{ tab: Page; offHost: string[] }> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const offHost: string[] = [];
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => (offHost.push(route.request().url()), route.abort()));
  await wallet.install(context);
  const tab = await context.newPage();
  tab.on('dialog', (d) => void d.accept());
  await tab.goto(app.pageUrl);
  await until(tab, '#progress:has-text("connect your wallet")');
  return { tab, offHost };
}

/** Wait for `selector`; on a timeout, say what the page showed (its progress line and error). */
async function until(tab: Page, selector: string, timeout = 60_000): Promise<void> {
  try {
    await tab.waitForSelector(selector, { timeout });
  } catch (e) {
    const said = { progress: await tab.textContent('#progress'), error: await tab.textContent('#error'), phase: await tab.getAttribute('#phase', 'data-phase') };
    throw new Error(`${selector} did not appear within ${timeout} ms; the page showed ${JSON.stringify(said)}`, { cause: e });
  }
}

const units = async (tab: Page, id: string) => BigInt((await tab.getAttribute(`#${id}`, 'data-units'))!);
const phase = (tab: Page, p: string) => until(tab, `#phase[data-phase="${p}"]`);
const shot = (tab: Page, name: string) => tab.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function connectAndOpen(tab: Page, amount: string, token = 'STX'): Promise<void> {
  await tab.click('#connect');
  await until(tab, '#open-card:not([hidden])');
  await tab.selectOption('#open-token', token);
  await tab.fill('#open-amount', amount);
  await tab.click('#open');
  await phase(tab, 'open');
}

/** Pay `n` times `each` from the burst form; resolves with the nonce after (at least `n` states more: ticks still in flight may land too). */
async function burst(tab: Page, n: number, each: string): Promise<bigint> {
  const from = await units(tab, 'nonce');
  await tab.fill('#burst-count', String(n));
  await tab.fill('#burst-amount', each);
  await tab.click('#burst');
  await until(tab, `#progress:has-text("paid ${n} of ${n}")`);
  await expect.poll(() => units(tab, 'nonce'), { timeout: 5_000 }).toBeGreaterThanOrEqual(from + BigInt(n));
  return units(tab, 'nonce');
}

/** `account`'s page with a 1 STX channel open and the meter running: a few states signed. */
async function streaming(account: DevnetAccount): Promise<{ wallet: TestWallet; tab: Page; id: string }> {
  const wallet = new TestWallet(account, app.chainUrl);
  const { tab } = await openPage(wallet);
  await connectAndOpen(tab, '1');
  const id = await channelIdOf(tab);
  await tab.click('#meter');
  await until(tab, '#nonce:not([data-units="0"]):not([data-units="1"]):not([data-units="2"])', 30_000);
  return { wallet, tab, id };
}

interface HubView { balance: string; peerBalance: string; nonce: string; phase: string }
const hubView = async (id: string) => (await app.hub.api<HubView>('GET', `/v1/channels/${id}`)).body;
/** The page and the hub hold the same newest state (read together: payments in flight may still land). */
const agreed = (tab: Page, id: string) =>
  expect.poll(async () => [(await hubView(id)).nonce, String(await units(tab, 'nonce'))].reduce((a, b) => (a === b ? a : 'differ')), { timeout: 15_000 }).not.toBe('differ');
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
    // …whose signer argument is the session key this tab made and keeps (never the account's key)
    const saved = JSON.parse((await tab.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('bitstream-app-session')))!) as { sessionKey: string };
    const signerArg = deserializeCV((wallet.asked[2]!.params!['functionArgs'] as string[])[4]!);
    expect(signerArg).toEqual(deserializeCV(serializeCV(Cl.some(Cl.buffer(nobleBackend.publicKeyOf(fromHex(saved.sessionKey)))))));
    expect(await units(tab, 'own')).toBe(1_000_000n);

    // a fresh channel, one payment at a time: exactly one state each
    expect(await burst(tab, 100, '0.001')).toBe(100n);
    const id = await channelIdOf(tab);
    expect([await units(tab, 'own'), await units(tab, 'hub')]).toEqual([900_000n, 100_000n]);
    expect(await hubView(id)).toMatchObject({ balance: '100000', peerBalance: '900000', nonce: '100' });
    // no more wallet prompts for the payments
    expect(wallet.asked).toHaveLength(3);
    await shot(tab, '2-channel-paying');

    await tab.fill('#deposit-amount', '0.5');
    await tab.click('#deposit');
    await until(tab, '#progress:has-text("deposit landed")', 60_000);
    expect(await units(tab, 'own')).toBe(1_400_000n);
    await tab.fill('#withdraw-amount', '0.25');
    await tab.click('#withdraw');
    await until(tab, '#progress:has-text("withdrawal landed")', 60_000);
    expect(await units(tab, 'own')).toBe(1_150_000n);
    expect((await hubView(id)).peerBalance).toBe('1150000');
    // the account's balance on the page is the chain's
    await expect.poll(async () => units(tab, 'balance-STX'), { timeout: 10_000 }).toBe(await demo.stx(DEVNET_ACCOUNTS.wallet_1.address));
    await shot(tab, '3-deposit-withdraw');

    // the page's own benchmark (npm run bench runs it with more payments): its table, each figure a rate
    await tab.click('#bench-card summary');
    await tab.fill('#bench-count', '20');
    await tab.click('#bench');
    await until(tab, '#progress:has-text("measured")');
    const table = await tab.$$eval('#bench-table tr', (trs) => trs.map((t) => t.textContent ?? ''));
    expect(table).toHaveLength(4);
    for (const line of table) expect(line).toMatch(/\d+ \/s/);
    expect((await units(tab, 'hub')) - 100_000n).toBe(40n); // 40 payments of 1 µSTX
    await shot(tab, '3b-benchmark');

    const walletBefore = await demo.stx(DEVNET_ACCOUNTS.wallet_1.address);
    await tab.click('#close');
    await phase(tab, 'closed');
    const rows = await tab.$$eval('#txs tr', (trs) => trs.map((t) => [t.getAttribute('data-kind'), t.getAttribute('data-status')]));
    expect(rows).toEqual([['close-channel', 'success'], ['withdraw', 'success'], ['fund-channel', 'success'], ['create-channel', 'success']]);
    const closeTx = wallet.asked.at(-1)!;
    expect(closeTx.params).toMatchObject({ functionName: 'close-channel', postConditionMode: 'deny' });
    // both sides paid at once, as the last state says: the hub its 100,040, the account the rest less the close's fee
    expect(await demo.stx(app.hub.principal)).toBe(hubBefore + 100_040n);
    const fee = (await wallet.broadcaster.mined(String((await tab.$$eval('#txs code', (c) => c.map((x) => x.getAttribute('title'))))[0]))).fee;
    expect(await demo.stx(DEVNET_ACCOUNTS.wallet_1.address)).toBe(walletBefore + 1_150_000n - 40n - fee);
    await shot(tab, '4-closed');
    expect(offHost).toEqual([]);
  });

  it('a wallet refusal, an account or channel too small: each said in words, nothing sent, nothing moved', async () => {
    const wallet = new TestWallet(DEVNET_ACCOUNTS.wallet_2, app.chainUrl);
    // a phone-sized screen: one column, nothing wider than the screen
    const { tab } = await openPage(wallet, { width: 390, height: 844 });
    const error = async () => ({ code: await tab.getAttribute('#error', 'data-code'), text: await tab.textContent('#error-text') });
    // a wallet on mainnet: no devnet address, and the page says which network to switch to
    wallet.answerAddressesWith([{ symbol: 'STX', address: 'SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7' }, { symbol: 'BTC', address: 'bc1qexample' }]);
    await tab.click('#connect');
    await until(tab, '#error[data-code="APP_NO_WALLET"]');
    expect((await error()).text).toMatch(/no devnet Stacks address: switch it to devnet$/);
    expect(await tab.isVisible('#connect')).toBe(true);
    await tab.click('#connect');
    await until(tab, '#open-card:not([hidden])');

    /** Try to open `amount`; resolves once the page shows the error `code`. */
    const refusedOpen = async (amount: string, code: string) => {
      await tab.fill('#open-amount', amount);
      await tab.click('#open');
      await until(tab, `#error[data-code="${code}"]`);
      return (await error()).text;
    };

    // the person says no to the session key: no channel, the page says so and offers the open again
    wallet.refuse('stx_signStructuredMessage');
    expect(await refusedOpen('1', 'WALLET_REJECTED')).toBe('You declined in the wallet. Nothing was sent.');
    await shot(tab, '5-wallet-refused');
    expect(await tab.isVisible('#open')).toBe(true);
    expect(await tab.isHidden('#channel-card')).toBe(true);

    // more than the account holds: refused before the wallet is asked
    const before = wallet.asked.length;
    expect(await refusedOpen('1000000000', 'APP_NO_FUNDS')).toMatch(/^Not enough funds in your account for this\./);
    expect(wallet.asked).toHaveLength(before);
    await refusedOpen('ten', 'APP_BAD_AMOUNT');

    // the delegation signed, then create-channel refused: nothing on-chain from the account
    wallet.refuse('stx_callContract');
    await refusedOpen('1', 'WALLET_REJECTED');
    expect(wallet.asked.slice(before).map((a) => a.method)).toEqual(['stx_signStructuredMessage', 'stx_callContract']);
    expect(await wallet.api.nextNonce(DEVNET_ACCOUNTS.wallet_2.address)).toBe(0n);

    // again: the session key is already delegated, so the only prompt is create-channel
    await tab.click('#open');
    await phase(tab, 'open');
    expect(wallet.asked.slice(before + 2).map((a) => a.method)).toEqual(['stx_callContract']);
    expect(await tab.isHidden('#error')).toBe(true);

    // a payment larger than the channel: refused by the channel, the state does not move
    await tab.fill('#burst-count', '1');
    await tab.fill('#burst-amount', '5');
    await tab.click('#burst');
    await until(tab, '#error[data-code="CHANNEL_INSUFFICIENT_BALANCE"]');
    expect([await units(tab, 'own'), await units(tab, 'nonce')]).toEqual([1_000_000n, 0n]);
    await shot(tab, '6-channel-too-small-phone');
    expect(await tab.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('a reload mid-stream in an sBTC channel: the page resumes it from storage with the balance both sides signed', async () => {
    const wallet = new TestWallet(DEVNET_ACCOUNTS.wallet_3, app.chainUrl);
    const { tab } = await openPage(wallet);
    await connectAndOpen(tab, '0.01', CONTRACTS.sbtc);
    const id = await channelIdOf(tab);
    // create-channel names the token, and its post-condition is on sBTC
    const args = (wallet.asked.at(-1)!.params!['functionArgs'] as string[]).map((h) => cvToString(deserializeCV(h)));
    expect(args).toContain(`(some ${CONTRACTS.sbtc})`);
    expect(await tab.textContent('#own')).toBe('0.01 sBTC');
    await tab.fill('#rate', '0.0001');
    await tab.click('#meter');
    await until(tab, '#nonce:not([data-units="0"]):not([data-units="1"]):not([data-units="2"])', 30_000);
    const asked = wallet.asked.length;
    // mid-stream: ticks in flight as the page goes away
    await tab.reload();
    await until(tab, '#progress:has-text("connect your wallet")');
    await tab.click('#connect');
    await phase(tab, 'open');
    await until(tab, '#progress:has-text("channel resumed")');
    // no prompt but the address: the session key came back from the tab's storage
    expect(wallet.asked.slice(asked).map((a) => a.method)).toEqual(['getAddresses']);
    // the page and the hub agree on the newest state, and the balance adds up
    await agreed(tab, id);
    const hub = await hubView(id);
    expect([await units(tab, 'own'), await units(tab, 'hub')]).toEqual([BigInt(hub.peerBalance), BigInt(hub.balance)]);
    expect(await units(tab, 'own') + await units(tab, 'hub')).toBe(1_000_000n);
    // and it pays on
    await burst(tab, 10, '0.00001');
    await agreed(tab, id);
    await shot(tab, '7-resumed');
  });

  it('a reload between the wallet sending create-channel and the hub taking it: the page finishes that open', async () => {
    const wallet = new TestWallet(DEVNET_ACCOUNTS.wallet_2, app.chainUrl);
    const { tab } = await openPage(wallet);
    await tab.click('#connect');
    await until(tab, '#open-card:not([hidden])');
    wallet.holdNextCall();
    await tab.fill('#open-amount', '2');
    await tab.click('#open');
    await until(tab, '#progress:has-text("waiting for it to be mined")');
    // the page goes away with the deposit on its way; the wallet broadcasts meanwhile
    await tab.reload();
    const txid = await wallet.release();
    await until(tab, '#progress:has-text("connect your wallet")');
    await tab.click('#connect');
    await phase(tab, 'open');
    expect(await units(tab, 'own')).toBe(2_000_000n);
    // one create-channel, the one the wallet sent; no second prompt for it
    expect(wallet.asked.filter((a) => a.method === 'stx_callContract')).toHaveLength(1);
    const id = await channelIdOf(tab);
    expect(await hubView(id)).toMatchObject({ peerBalance: '2000000' });
    expect(await tab.$$eval('#txs code', (c) => c.map((x) => x.getAttribute('title')))).toContain(txid.replace(/^0x/, ''));
    expect(await burst(tab, 3, '0.001')).toBe(3n);
  });

  it('the hub going away mid-stream: offline shown, back by itself; then without it a force close pays out after the window', async () => {
    const { wallet, tab, id } = await streaming(DEVNET_ACCOUNTS.wallet_1);
    await app.stopHub();
    await until(tab, '#hub-status[data-online="false"]', 15_000);
    // the meter stops with the reason, the channel and its figures stay
    await until(tab, '#meter:has-text("Start streaming")', 15_000);
    expect(await tab.getAttribute('#error', 'data-code')).toMatch(/^(APP_HUB_OFFLINE|PAYMENT_PENDING)$/);
    await shot(tab, '8-hub-offline');
    await app.startHub();
    await until(tab, '#hub-status[data-online="true"]', 30_000);
    await agreed(tab, id);
    await burst(tab, 5, '0.001');
    await agreed(tab, id);

    // now the hub goes for good: the page closes alone with its newest state
    await app.stopHub();
    await until(tab, '#hub-status[data-online="false"]', 15_000);
    const own = await units(tab, 'own');
    const hubShare = await units(tab, 'hub');
    const before = { wallet: await demo.stx(DEVNET_ACCOUNTS.wallet_1.address), hub: await demo.stx(app.hub.principal) };
    await tab.click('#force-close');
    await phase(tab, 'closing');
    await until(tab, '#dispute:not([hidden])');
    await shot(tab, '9-dispute-window');
    // the window's 6 Bitcoin blocks at once, rather than 6 s of the chain's clock
    await demo.mine({ burnBlocks: 6 });
    await until(tab, '#resolve:not([disabled])', 60_000);
    await tab.click('#resolve');
    await phase(tab, 'closed');
    const kinds = await tab.$$eval('#txs tr', (trs) => trs.map((t) => t.getAttribute('data-kind')));
    expect(kinds.slice(0, 2)).toEqual(['resolve', 'initiate-dispute']);
    // paid as the newest state says: the account less the two fees, the hub its share
    const txids = await tab.$$eval('#txs code', (c) => c.map((x) => x.getAttribute('title')!));
    const fees = (await wallet.broadcaster.mined(txids[0]!)).fee + (await wallet.broadcaster.mined(txids[1]!)).fee;
    expect(await demo.stx(DEVNET_ACCOUNTS.wallet_1.address)).toBe(before.wallet + own - fees);
    expect(await demo.stx(app.hub.principal)).toBe(before.hub + hubShare);
    await shot(tab, '10-paid-out');
  });

  it('the hub force-closes while the page streams: the page shows the channel closing, refuses to pay, and is paid what the closing state says', async () => {
    await app.startHub();
    const { wallet, tab, id } = await streaming(DEVNET_ACCOUNTS.deployer);
    const before = await demo.stx(DEVNET_ACCOUNTS.deployer.address);
    // the hub's operator closes it alone (the node's API): its newest state goes on-chain
    expect((await app.hub.api('POST', `/v1/channels/${id}/force-close`)).status).toBe(200);
    await phase(tab, 'closing');
    await until(tab, '#error[data-code="CHANNEL_CLOSED"]');
    // the meter stopped at the first refused tick
    expect(await tab.textContent('#meter')).toBe('Start streaming');
    expect(await tab.textContent('#error-text')).toBe('The channel is closing or closed: it takes no more payments.');
    expect(await tab.isHidden('#pay-card')).toBe(true);
    await until(tab, '#dispute:not([hidden])');
    await shot(tab, '11-hub-closed');
    // after the window the hub's node pays out (either side may); the page follows the chain
    await demo.mine({ burnBlocks: 6 });
    await phase(tab, 'closed');
    const own = await units(tab, 'own');
    expect(own + await units(tab, 'hub')).toBe(1_000_000n);
    expect(await demo.stx(DEVNET_ACCOUNTS.deployer.address)).toBe(before + own);
    // the page asked its wallet for nothing after the open
    expect(wallet.asked.filter((a) => a.method === 'stx_callContract').map((a) => a.params!['functionName'])).toEqual(['create-channel']);
  });
});
