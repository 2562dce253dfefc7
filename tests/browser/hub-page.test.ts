// A dApp page in real Chromium paying a hub node process, the path the dApp is built on:
// the browser's own WebSocket to the hub (HubLink), the wallet's one delegation to a
// session key made in the page, create-channel sent by the wallet with the session key
// as signer and deny-mode post-conditions (openWithHub), then 100 payments the session
// key alone signs, kept in IndexedDB. The wallet is a test wallet behind Leather's
// request API: it signs with the devnet account's key and broadcasts real transactions
// to the local chain, so everything on-chain is as with Leather. Loopback only.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetwork } from '@stacks/network';
import { deserializeCV, signStructuredData, type ClarityValue } from '@stacks/transactions';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyCall } from '../../client/src/chainclient/broadcaster.js';
import { Broadcaster } from '../../client/src/chainclient/broadcaster.js';
import { StacksApi } from '../../client/src/chainclient/api.js';
import { CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { PARTIES } from '../../client/src/demo/accounts.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { stacksPrivateKey } from '../../client/src/devnet/accounts.js';
import { startChainProcess, startNode, teardown, type NodeProcess } from '../e2e/fixtures/node-process.js';
import { buildPage, removeBuild, serve, type BuiltPage } from './build.js';
import { HAVE_CHROMIUM, launchChromium } from './chromium.js';
import type { HubPageGlobal, HubRun, HubRunResult, WalletAsk } from './hub-page/bridge.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bitstream-hub-page-'));
const WALLET = PARTIES.carol;
const OPENING = 1_000_000n;

let chain: Awaited<ReturnType<typeof startChainProcess>>;
let hub: NodeProcess;
let built: BuiltPage;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
let wallet: Broadcaster;
const asked: WalletAsk[] = [];

/** The test wallet: what Leather does with each request, with the account's key. */
async function testWallet(a: WalletAsk): Promise<Awaited<ReturnType<HubPageGlobal['__bitstreamTestWallet']>>> {
  asked.push(a);
  if (a.method === 'stx_signStructuredMessage') {
    const signature = signStructuredData({
      message: deserializeCV(String(a.params['message'])), domain: deserializeCV(String(a.params['domain'])) as Parameters<typeof signStructuredData>[0]['domain'],
      privateKey: stacksPrivateKey(WALLET),
    });
    return { result: { signature } };
  }
  const [address, name] = String(a.params['contract']).split('.');
  const call = {
    contractAddress: address!, contractName: name!, functionName: String(a.params['functionName']),
    functionArgs: (a.params['functionArgs'] as string[]).map((h) => deserializeCV(h) as ClarityValue),
    postConditionMode: 'deny', postConditions: a.params['postConditions'],
  } as AnyCall;
  const sent = await wallet.submit(call);
  return { result: { txid: sent.txid } };
}

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  chain = await startChainProcess({ blockMs: 50, burnMs: 1_000 });
  const api = new StacksApi(chain.url, createNetwork({ network: 'devnet', client: { baseUrl: chain.url } }));
  wallet = new Broadcaster({ api, address: WALLET.address, senderKey: stacksPrivateKey(WALLET), maxFee: 100_000n, pollMs: 100 });
  [hub, built] = await Promise.all([
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'hub'), key: Buffer.from(PARTIES.bob.privateKey).toString('hex'), token: 'hub-token' }),
    buildPage(join(HERE, 'hub-page')),
  ]);
  server = await serve(built.dir);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (built) removeBuild(built);
  await teardown([hub], chain, dir);
});

describe.skipIf(!HAVE_CHROMIUM)('a dApp page in Chromium paying a hub node (needs /usr/bin/chromium)', () => {
  it('authorises a session key once, opens through the wallet, and pays 100 times signed by the session key alone', async () => {
    const context = await browser.newContext();
    // nothing leaves loopback
    const offHost: string[] = [];
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => (offHost.push(route.request().url()), route.abort()));
    await context.exposeFunction('__bitstreamTestWallet', testWallet);
    const tab = await context.newPage();
    await tab.goto(server.url);
    const run: HubRun = {
      chainUrl: chain.url, hubUrl: hub.peerUrl, hubPrincipal: hub.principal, contract: CONTRACTS.channel, chainId: CHAIN_ID_TESTNET,
      account: WALLET.address, amount: String(OPENING), payments: 100, price: '1000',
    };
    const r: HubRunResult = await tab.evaluate((x) => (globalThis as unknown as HubPageGlobal).bitstreamHub.run(x), run);
    expect(r, JSON.stringify(r)).toMatchObject({ ok: true, own: String(OPENING - 100_000n), other: '100000', nonce: '100', hub: hub.principal });
    if (!r.ok) return;
    // the wallet was asked twice: the delegation, then create-channel in deny mode naming the session key
    expect(asked.map((a) => a.method)).toEqual(['stx_signStructuredMessage', 'stx_callContract']);
    expect(asked[1]!.params).toMatchObject({ functionName: 'create-channel', postConditionMode: 'deny' });
    const signerArg = deserializeCV((asked[1]!.params['functionArgs'] as string[])[4]!);
    expect(signerArg).toMatchObject({ type: 'some', value: { type: 'buffer', value: r.sessionKey } });
    // the hub holds the channel with the account, at the page's state
    const seen = (await hub.api<{ balance: string; nonce: string; peer: string }>('GET', `/v1/channels/${r.channelId}`)).body;
    expect(seen).toMatchObject({ balance: '100000', nonce: '100', peer: WALLET.address });
    expect(await tab.textContent('#status')).toBe('paid 100 times');
    expect(offHost).toEqual([]);
    console.info(`page → hub in Chromium (noble, unbatched, one at a time): 100 payments in ${r.payMs.toFixed(0)} ms, ${(100_000 / r.payMs).toFixed(0)} payments/s`);
    await context.close();
  });
});
