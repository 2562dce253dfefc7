// A page's channel with a hub node process, as the dApp runs it, in Node: the wallet
// account signs one delegation to a session key the page made, the page dials the hub
// with it (HubLink over the WHATWG WebSocket interface), the wallet sends create-channel
// naming the session key as signer, and from then on the session key alone signs: 100
// payments to the hub, then a cooperative close the wallet sends, paying both sides. The
// money rule under attack: a channel whose session key the contract would not take
// (create-channel without it as signer) is refused by the hub, which would otherwise hold
// states signed by a key worth nothing on-chain. Then the rest of a page's life through
// the wallet: a deposit and a withdraw the hub co-signs, a resume from the store on a
// new channel object, and a force close with the hub stopped, resolved after the window.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetwork } from '@stacks/network';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCloseChannel } from '../../client/src/chain/build-close.js';
import { buildCreateChannel } from '../../client/src/chain/build-open.js';
import { asBuffer } from '../../client/src/chain/decode.js';
import { fullySigned } from '../../client/src/watchtower/sources.js';
import { CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { Broadcaster } from '../../client/src/chainclient/broadcaster.js';
import { StacksApi } from '../../client/src/chainclient/api.js';
import { PARTIES } from '../../client/src/demo/accounts.js';
import { depositThroughWallet, forceCloseThroughWallet, resolveThroughWallet, withdrawThroughWallet } from '../../client/src/hubclient/land.js';
import { openWithHub, resumeWithHub } from '../../client/src/hubclient/open.js';
import { getChannel, isWindowEnded } from '../../client/src/chain/readers.js';
import { httpReadOnlyCaller } from '../../client/src/chain/read-only-caller.js';
import { ChannelStatus } from '../../client/src/chain/record.js';
import { stacksPrivateKey } from '../../client/src/devnet/accounts.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { browserFrameSocket, type WhatwgWebSocket } from '../../client/src/peer/browser-socket.js';
import { delegationHash, type Delegation } from '../../client/src/peer/delegation.js';
import { HubLink } from '../../client/src/peer/hub-link.js';
import { delegatedIdentity } from '../../client/src/peer/identity.js';
import type { PeerSession } from '../../client/src/peer/session.js';
import { LocalKeySigner } from '../../client/src/signers/local.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { toHex } from '../../client/src/wire/json.js';
import { startChainProcess, startNode, stopNode, teardown, type NodeProcess } from './fixtures/node-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bitstream-page-e2e-'));
const WALLET = PARTIES.carol; // the page's account, as Leather holds it
const SESSION = crypto.getRandomValues(new Uint8Array(32));
const OPENING = 1_000_000n;
const offer = { token: null, amount: String(OPENING), window: '6' };

let chain: Awaited<ReturnType<typeof startChainProcess>>;
let hub: NodeProcess;
let demo: DemoChain;
let link: HubLink;
let session: PeerSession;
let api: StacksApi;
let wallet: Broadcaster;

beforeAll(async () => {
  chain = await startChainProcess({ blockMs: 50, burnMs: 1_000 });
  hub = await startNode({ chainUrl: chain.url, dataDir: join(dir, 'hub'), key: toHex(PARTIES.bob.privateKey), token: 'hub-token' });
  demo = new DemoChain(chain.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
  link = dial(SESSION);
  session = await link.ready;
  api = new StacksApi(chain.url, createNetwork({ network: 'devnet', client: { baseUrl: chain.url } }));
  wallet = new Broadcaster({ api, address: WALLET.address, senderKey: stacksPrivateKey(WALLET), maxFee: 100_000n, pollMs: 100 });
});

afterAll(async () => {
  link?.close();
  await teardown([hub], chain, dir);
});

/** A page's link: the wallet's one signature lets `key` speak for the account for an hour. */
function dial(key: Uint8Array): HubLink {
  const d: Delegation = { principal: WALLET.address, sessionKey: nobleBackend.publicKeyOf(key), expires: Math.floor(Date.now() / 1000) + 3600 };
  return new HubLink({
    url: hub.peerUrl, expect: hub.principal, chainId: CHAIN_ID_TESTNET, recover: (h, s) => nobleBackend.recover(h, s),
    identity: delegatedIdentity(key, nobleBackend, d, nobleBackend.sign(delegationHash(d, CHAIN_ID_TESTNET), WALLET.privateKey)),
    socket: (u) => browserFrameSocket(new WebSocket(u) as unknown as WhatwgWebSocket),
  });
}

/** create-channel from the wallet, with `signer` authorised (or none); the channel id */
async function create(signer: Uint8Array | undefined) {
  const call = buildCreateChannel({ contract: CONTRACTS.channel, sender: WALLET.address, participantB: hub.principal, token: null, amount: OPENING, window: 6n, ...(signer === undefined ? {} : { signer }) });
  const r = await demo.submit(call, WALLET);
  return { id: toHex(asBuffer(r.value, 'create-channel', 32)), txid: r.txid, burnHeight: r.burnHeight };
}

describe('a page with a session key, paying a hub node', () => {
  it('the hub refuses a channel whose session key is not an authorised signer: nothing is held', async () => {
    expect(await session.request('open-offer', offer)).toMatchObject({ accept: true });
    const bare = await create(undefined);
    await expect(session.request('open-created', { channelId: bare.id, txid: bare.txid, offer })).rejects.toMatchObject({
      details: { code: 'NODE_OPEN_MISMATCH', message: expect.stringContaining('is not an authorised signer') as string },
    });
    expect((await hub.api<unknown[]>('GET', '/v1/channels')).body).toEqual([]);
  });

  it('terms the hub does not take are refused before the wallet is asked anything', async () => {
    let asked = 0;
    await expect(openWithHub({
      session, account: WALLET.address, contract: CONTRACTS.channel, chainId: CHAIN_ID_TESTNET,
      signer: new LocalKeySigner(SESSION), token: null, amount: OPENING, window: 5n, store: new MemoryStore(),
      callContract: async () => (asked++, 'never'), mined: () => Promise.reject(new Error('never')), heights: () => api.heights(),
    })).rejects.toMatchObject({ code: 'HUB_OPEN_REFUSED', message: expect.stringContaining('the hub refused the channel') as string });
    expect(asked).toBe(0);
  });

  it('opens with the session key as signer, pays 100 times signed by it alone, and closes cooperatively', async () => {
    const progress: string[] = [];
    const { channel: page, channelId } = await openWithHub({
      session, account: WALLET.address, contract: CONTRACTS.channel, chainId: CHAIN_ID_TESTNET,
      signer: new LocalKeySigner(SESSION), token: null, amount: OPENING, window: 6n, store: new MemoryStore(),
      // the wallet: stx_callContract in a page; here the account's key on the local chain
      callContract: async (call) => (await wallet.submit(call)).txid,
      mined: (txid) => wallet.mined(txid),
      heights: () => api.heights(),
      onProgress: (what) => progress.push(what),
    });
    expect(progress).toEqual([
      'the hub agreed; the wallet sends create-channel',
      expect.stringMatching(/^create-channel [0-9a-fx]+ sent; waiting for it to be mined$/),
      `channel ${channelId} mined; the hub checks it on-chain`,
    ]);
    for (let i = 1; i <= 100; i++) await page.pay(1_000n, { id: `call-${i}`, timeoutMs: 10_000 });
    expect(page.balances).toEqual({ own: OPENING - 100_000n, other: 100_000n });
    const seen = (await hub.api<{ balance: string; peerBalance: string; nonce: string; peer: string }>('GET', `/v1/channels/${channelId}`)).body;
    expect(seen).toMatchObject({ balance: '100000', peerBalance: String(OPENING - 100_000n), nonce: '100', peer: WALLET.address });

    // the close state, signed by the session key and the hub; the wallet sends it
    const now = await demo.heights();
    page.setChainTime({ burnHeight: now.burn, tenureHeight: now.tenure });
    const close = await page.closeState();
    const before = { wallet: await demo.stx(WALLET.address), hub: await demo.stx(hub.principal) };
    const closed = await wallet.mined((await wallet.submit(buildCloseChannel({ contract: CONTRACTS.channel, signed: fullySigned(close)!, token: null }))).txid);
    expect(closed.status).toBe('success');
    // both paid at once, exactly as the last state says (the wallet less the fee it paid)
    expect(await demo.stx(hub.principal)).toBe(before.hub + 100_000n);
    expect(await demo.stx(WALLET.address)).toBe(before.wallet + OPENING - 100_000n - closed.fee);
    page.close();
  });

  it('a new tab: another session key for the same account replaces the first on the hub and opens its own channel', async () => {
    // the first tab is closed; the new one makes its own key (one delegation prompt)
    link.close();
    const key2 = crypto.getRandomValues(new Uint8Array(32));
    const tab2 = dial(key2);
    try {
      const s2 = await tab2.ready;
      // the hub now knows the account by the new key: a channel naming it as signer is taken (it was refused before)
      const { channel, channelId } = await openWithHub({
        session: s2, account: WALLET.address, contract: CONTRACTS.channel, chainId: CHAIN_ID_TESTNET,
        signer: new LocalKeySigner(key2), token: null, amount: 100_000n, window: 6n, store: new MemoryStore(),
        callContract: async (call) => (await wallet.submit(call)).txid, mined: (txid) => wallet.mined(txid), heights: () => api.heights(),
      });
      await channel.pay(1_000n, { id: 'tab-2', timeoutMs: 10_000 });
      expect((await hub.api<{ balance: string }>('GET', `/v1/channels/${channelId}`)).body).toMatchObject({ balance: '1000' });
      channel.close();
    } finally {
      tab2.close();
    }
    // and the first key again, for the tests after this one
    link = dial(SESSION);
    session = await link.ready;
  });

  it('deposits and withdraws through the wallet, resumes from its store, and force-closes with the hub stopped', async () => {
    const store = new MemoryStore();
    const signer = new LocalKeySigner(SESSION);
    const base = { session, account: WALLET.address, contract: CONTRACTS.channel, chainId: CHAIN_ID_TESTNET, signer, window: 6n, store, heights: () => api.heights() };
    const walletChain = { callContract: async (call: Parameters<Broadcaster['submit']>[0]) => (await wallet.submit(call)).txid, mined: (txid: string) => wallet.mined(txid) };
    const { channel, channelId, burnHeight } = await openWithHub({ ...base, token: null, amount: OPENING, ...walletChain });
    const landings = [{ nonce: 0n, burnHeight }];
    // the page's clock: chain states it proposes are landable from the tip on
    const tick = setInterval(() => void api.heights().then((h) => channel.setChainTime({ burnHeight: h.burn, tenureHeight: h.tenure })), 250);
    try {
      for (let i = 1; i <= 10; i++) await channel.pay(1_000n, { id: `d-${i}`, timeoutMs: 10_000 });
      const land = { contract: CONTRACTS.channel, token: null, wallet: walletChain };
      const dep = await depositThroughWallet(channel, 200_000n, land);
      expect(dep.state?.state).toMatchObject({ nonce: 11n, balanceA: OPENING - 10_000n + 200_000n, balanceB: 10_000n });
      const wd = await withdrawThroughWallet(channel, 50_000n, land);
      expect(wd.state?.state).toMatchObject({ nonce: 12n, balanceA: OPENING - 10_000n + 150_000n });
      landings.push({ nonce: 11n, burnHeight: dep.burnHeight }, { nonce: 12n, burnHeight: wd.burnHeight });
      // the contract holds what the states say
      const ctx = { caller: httpReadOnlyCaller({ network: 'devnet', client: { baseUrl: chain.url } }), contract: CONTRACTS.channel, registry: CONTRACTS.registry };
      const id = channel.channelId;
      expect((await getChannel(ctx, { channelId: id }))).toMatchObject({ total: OPENING + 150_000n, nonce: 12n });
    } finally {
      clearInterval(tick);
      channel.close();
    }

    // a reload: a new channel object from the same store, on the same link, pays on
    const resumed = await resumeWithHub({ ...base, channelId, landings });
    expect(resumed.balances).toEqual({ own: OPENING + 140_000n, other: 10_000n });
    await resumed.pay(5_000n, { id: 'after-resume', timeoutMs: 10_000 });
    const held = (await hub.api<{ balance: string; nonce: string }>('GET', `/v1/channels/${channelId}`)).body;
    expect(held).toMatchObject({ balance: '15000', nonce: '13' });
    await expect(resumeWithHub({ ...base, channelId: '00'.repeat(32), landings })).rejects.toMatchObject({ code: 'HUB_NOT_NOW' });

    // the hub goes away; the page closes alone with its newest state and is paid after the window
    await stopNode(hub);
    const ctx = { caller: httpReadOnlyCaller({ network: 'devnet', client: { baseUrl: chain.url } }), contract: CONTRACTS.channel, registry: CONTRACTS.registry };
    const floor = (await getChannel(ctx, { channelId: resumed.channelId }))!.nonce;
    const dispute = await forceCloseThroughWallet(resumed, floor, { contract: CONTRACTS.channel, wallet: walletChain });
    const closing = (await getChannel(ctx, { channelId: resumed.channelId }))!;
    expect(closing).toMatchObject({ status: ChannelStatus.Closing, nonce: 13n, balanceA: OPENING + 135_000n, balanceB: 15_000n, closer: WALLET.address });
    expect(dispute.burnHeight).toBeGreaterThan(0n);
    // too early: the window is still open, and the failed call is a clear error naming the contract's
    await expect(resolveThroughWallet(resumed.channelId, closing, { contract: CONTRACTS.channel, wallet: walletChain })).rejects.toMatchObject({
      code: 'HUB_CHAIN_FAILED', message: expect.stringMatching(/^resolve (0x)?[0-9a-f]+ failed on-chain: ERR-/) as string,
    });
    while (!(await isWindowEnded(ctx, { channelId: resumed.channelId }))) await new Promise((ok) => setTimeout(ok, 250));
    const before = { wallet: await demo.stx(WALLET.address), hub: await demo.stx(hub.principal) };
    const resolved = await resolveThroughWallet(resumed.channelId, closing, { contract: CONTRACTS.channel, wallet: walletChain });
    const fee = (await wallet.mined(resolved.txid)).fee;
    expect(await demo.stx(WALLET.address)).toBe(before.wallet + OPENING + 135_000n - fee);
    expect(await demo.stx(hub.principal)).toBe(before.hub + 15_000n);
    expect((await getChannel(ctx, { channelId: resumed.channelId }))!.status).toBe(ChannelStatus.Closed);
  });
});
