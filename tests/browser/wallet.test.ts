// WalletSigner through the real @stacks/connect `request` in headless Chromium. A fake
// Leather extension is injected before the page loads (window.LeatherProvider, where
// connect's wallet list looks); it forwards stx_signStructuredMessage to Node, which
// signs with @stacks/transactions' signStructuredData and a devnet key as Leather does.
// The page signs a real channel state; the contract must accept the signature as
// participant-a's. Also: the wallet saw the exact SIP-018 domain and state tuple, a user
// rejection is WALLET_REJECTED, and another account's signature is WALLET_SIGNATURE_MISMATCH.
// Needs /usr/bin/chromium (Debian package `chromium`); serves only on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Cl, deserializeCV, signStructuredData, type ClarityValue } from '@stacks/transactions';
import { domainToClarity, stateToClarity, type ChannelState, type Domain } from '../../client/src/codec/index.js';
import { stacksPrivateKey, DEVNET_ACCOUNTS } from '../../client/src/devnet/accounts.js';
import { stateToJson } from '../../client/src/wire/json.js';
import {
  alice,
  bob,
  CHANNEL,
  callWithState,
  domainHashOf,
  ERR,
  fundedChannel,
  publicKeyOf,
  record,
  sign,
  SIMNET_CHAIN_ID,
  state,
  stateHash,
  toHex,
  verify,
  type Channel,
} from '../contracts/helpers.js';
import { buildPage, removeBuild, serve, type BuiltPage } from './build.js';
import { HAVE_CHROMIUM, launchChromium } from './chromium.js';
import type { PageGlobal, PageSignRequest, PageSignResult } from './page/bridge.js';

const DOMAIN: Domain = { contract: CHANNEL, chainId: SIMNET_CHAIN_ID };
const accountOf = (address: string) => Object.values(DEVNET_ACCOUNTS).find((a) => a.address === address)!;
const WALLET = accountOf(alice); // the account in the fake wallet: participant-a
const MALLORY = DEVNET_ACCOUNTS.wallet_4;

/** How the fake wallet answers the next stx_signStructuredMessage. */
type WalletMode =
  | 'leather' // {signature: RSV hex, publicKey}, as Leather returns it
  | 'leather-0x' // the same signature with a 0x prefix
  | { error: number } // a JSON-RPC error with this code (4001: Leather's "user rejected")
  | 'other-account'; // signs with another key (the user switched accounts)

interface WalletCall {
  method: string;
  params: { message?: string; domain?: string } | null;
}

// The fake extension, run in the page before any script: Leather's inpage provider
// resolves with the JSON-RPC response, and rejects with it when it carries an error.
const FAKE_LEATHER = `
  window.LeatherProvider = {
    async request(method, params) {
      const response = await window.__bitstreamFakeWallet(method, params === undefined ? null : params);
      if ('error' in response) throw response;
      return response;
    },
  };`;
// What connect's `request` stores once a person picked a wallet in its modal.
const REMEMBER_LEATHER = `localStorage.setItem('STX_PROVIDER', 'LeatherProvider');`;

let built: BuiltPage;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
const calls: WalletCall[] = [];
let mode: WalletMode = 'leather';
const offHost: string[] = [];

async function fakeWallet(method: string, params: WalletCall['params']) {
  calls.push({ method, params });
  const id = String(calls.length);
  if (method !== 'stx_signStructuredMessage' || typeof params?.message !== 'string' || typeof params.domain !== 'string')
    return { jsonrpc: '2.0', id, error: { code: -32602, message: 'unexpected request' } };
  if (typeof mode === 'object') return { jsonrpc: '2.0', id, error: { code: mode.error, message: 'wallet error' } };
  const account = mode === 'other-account' ? MALLORY : WALLET;
  // what Leather does: deserialize the hex Clarity values, sign SIP-018 with the account key
  const signature = signStructuredData({
    message: deserializeCV(params.message),
    domain: deserializeCV(params.domain),
    privateKey: stacksPrivateKey(account),
  });
  return {
    jsonrpc: '2.0',
    id,
    result: {
      signature: mode === 'leather-0x' ? `0x${signature}` : signature,
      publicKey: toHex(publicKeyOf(account.privateKey)),
    },
  };
}

/** A fresh browser profile with the fake wallet; `remembered`: a wallet was picked before. */
async function openPage(opts: { remembered: boolean }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => {
      offHost.push(route.request().url());
      return route.abort();
    },
  );
  await context.exposeFunction('__bitstreamFakeWallet', fakeWallet);
  await context.addInitScript({ content: FAKE_LEATHER + (opts.remembered ? REMEMBER_LEATHER : '') });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => 'bitstreamWallet' in globalThis);
  return { context, page };
}

function signRequest(s: ChannelState, publicKey?: Uint8Array): PageSignRequest {
  return {
    state: stateToJson(s),
    domain: DOMAIN,
    hash: toHex(stateHash(s, domainHashOf())),
    ...(publicKey === undefined ? {} : { publicKey: toHex(publicKey) }),
  };
}

/** Starts the page's WalletSigner.signState; resolves to what the page reports. */
const signInPage = (page: Page, req: PageSignRequest): Promise<PageSignResult> =>
  page.evaluate((r) => (globalThis as unknown as PageGlobal).bitstreamWallet.sign(r), req);

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
function domainFields(hex: string): Record<string, ClarityValue> {
  const cv = deserializeCV(hex);
  if (cv.type !== 'tuple') throw new Error(`the domain is a ${cv.type}, not a tuple`);
  return cv.value;
}

// the simnet is reset before every test: each one opens its own channel
let ch: Channel;
beforeEach(() => {
  ({ ch } = fundedChannel(alice, bob, 1000n, 500n));
});
/** A payment of 100 from A to B on top of the funding state (nonce 1). */
const nextState = (): ChannelState => state(ch, { nonce: 2n, balanceA: 900n, balanceB: 600n });


beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  built = await buildPage();
  console.info(`page built in ${(built.buildMs / 1000).toFixed(1)} s, ${(built.bytes / 1e6).toFixed(2)} MB`);
  server = await serve(built.dir);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (built) removeBuild(built);
});

describe.skipIf(!HAVE_CHROMIUM)('WalletSigner with the real @stacks/connect in Chromium (needs /usr/bin/chromium: apt-get install chromium)', () => {
  it('the first request opens connect’s wallet list; after picking Leather the contract accepts the signature as participant-a’s', async () => {
    const { context, page } = await openPage({ remembered: false });
    const s = nextState();
    calls.length = 0;
    mode = 'leather';
    const pending = signInPage(page, signRequest(s));
    // no wallet chosen yet: connect shows its modal with the installed wallets
    await page.locator('connect-modal li', { hasText: 'Leather' }).getByRole('button', { name: 'Connect' }).click();
    const out = await pending;
    await context.close();

    expect(out).toMatchObject({ ok: true, publicKey: toHex(publicKeyOf(WALLET.privateKey)) });
    if (!out.ok) return;
    const sigA = fromHex(out.signature);
    const { sigB } = sign(ch, s);
    expect(verify(ch, { state: s, sigA, sigB })).toBeOk(expect.anything());
    expect(callWithState('update-balance', ch, { state: s, sigA, sigB }, alice).result).toBeOk(expect.anything());
    expect(record(ch)!.nonce).toBe(s.nonce);
    // the wallet was asked exactly once, for this state under this contract's domain
    expect(calls).toHaveLength(1);
    expect(calls[0]!.method).toBe('stx_signStructuredMessage');
    // byte for byte the consensus serialisation of the SIP-018 domain and of the state
    // tuple: what the wallet hashes is what the contract hashes
    expect(calls[0]!.params!.domain).toBe(Cl.serialize(domainToClarity(DOMAIN)));
    expect(calls[0]!.params!.message).toBe(Cl.serialize(stateToClarity(s)));
    // and the domain says what PROTOCOL §2 says, field by field
    expect(domainFields(calls[0]!.params!.domain!)).toEqual({
      name: Cl.stringAscii(CHANNEL),
      version: Cl.stringAscii('2'),
      'chain-id': Cl.uint(SIMNET_CHAIN_ID),
    });
  });

  it('with the wallet remembered, a 0x-prefixed signature is normalised and accepted by update-balance', async () => {
    const { context, page } = await openPage({ remembered: true });
    const s = nextState();
    calls.length = 0;
    mode = 'leather-0x';
    const out = await signInPage(page, signRequest(s, publicKeyOf(WALLET.privateKey)));
    await context.close();

    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.signature).toMatch(/^[0-9a-f]{130}$/);
    const sigA = fromHex(out.signature);
    const { sigB } = sign(ch, s);
    expect(callWithState('update-balance', ch, { state: s, sigA, sigB }, bob).result).toBeOk(expect.anything());
    expect(record(ch)!.nonce).toBe(s.nonce);
    expect(calls.map((c) => c.method)).toEqual(['stx_signStructuredMessage']);
    expect(calls[0]!.params!.message).toBe(Cl.serialize(stateToClarity(s)));
  });

  // 4001: Leather (EIP-1193 userRejectedRequest); -32000: connect's UserRejection (Xverse);
  // -31001: connect's UserCanceled
  it.each([4001, -32000, -31001])('a user rejection (JSON-RPC %i) surfaces as WALLET_REJECTED, with connect’s JsonRpcError as cause', async (code) => {
    const { context, page } = await openPage({ remembered: true });
    calls.length = 0;
    mode = { error: code };
    const out = await signInPage(page, signRequest(nextState()));
    await context.close();

    expect(calls).toHaveLength(1);
    expect(out).toEqual({
      ok: false,
      name: 'WalletRejectedError',
      code: 'WALLET_REJECTED',
      message: expect.any(String),
      cause: { name: 'JsonRpcError', code: String(code) },
    });
  });

  it('any other wallet error is WALLET_REQUEST_FAILED, not a rejection', async () => {
    const { context, page } = await openPage({ remembered: true });
    mode = { error: -32603 }; // JSON-RPC internal error
    const out = await signInPage(page, signRequest(nextState()));
    await context.close();

    expect(out).toMatchObject({ ok: false, code: 'WALLET_REQUEST_FAILED', cause: { name: 'JsonRpcError', code: '-32603' } });
  });

  it('a signature by another account surfaces as WALLET_SIGNATURE_MISMATCH, and the contract refuses it too', async () => {
    const { context, page } = await openPage({ remembered: true });
    const s = nextState();
    calls.length = 0;
    mode = 'other-account';
    const out = await signInPage(page, signRequest(s, publicKeyOf(WALLET.privateKey)));
    await context.close();

    expect(calls).toHaveLength(1);
    expect(out).toMatchObject({ ok: false, name: 'WalletSignatureError', code: 'WALLET_SIGNATURE_MISMATCH' });
    // the attack the check stops: the contract would refuse that signature for participant-a
    const forged = sign(ch, s, { keyA: MALLORY.privateKey });
    expect(verify(ch, forged)).toBeErr(Cl.uint(ERR.SIGNATURE_A));
  });

  it('the page never reached a host other than 127.0.0.1', () => {
    expect(offHost).toEqual([]);
  });
});
