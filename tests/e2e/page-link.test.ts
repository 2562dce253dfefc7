// A page's channel with a hub node process, as the dApp runs it, in Node: the wallet
// account signs one delegation to a session key the page made, the page dials the hub
// with it (HubLink over the WHATWG WebSocket interface), the wallet sends create-channel
// naming the session key as signer, and from then on the session key alone signs: 100
// payments to the hub, then a cooperative close the wallet sends, paying both sides. The
// money rule under attack: a channel whose session key the contract would not take
// (create-channel without it as signer) is refused by the hub, which would otherwise hold
// states signed by a key worth nothing on-chain.
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
import { openWithHub } from '../../client/src/hubclient/open.js';
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
import { startChainProcess, startNode, teardown, type NodeProcess } from './fixtures/node-process.js';

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
  // the one wallet signature of the session: its key speaks for the account for an hour
  const d: Delegation = { principal: WALLET.address, sessionKey: nobleBackend.publicKeyOf(SESSION), expires: Math.floor(Date.now() / 1000) + 3600 };
  link = new HubLink({
    url: hub.peerUrl, expect: hub.principal, chainId: CHAIN_ID_TESTNET, recover: (h, s) => nobleBackend.recover(h, s),
    identity: delegatedIdentity(SESSION, nobleBackend, d, nobleBackend.sign(delegationHash(d, CHAIN_ID_TESTNET), WALLET.privateKey)),
    socket: (u) => browserFrameSocket(new WebSocket(u) as unknown as WhatwgWebSocket),
  });
  session = await link.ready;
  api = new StacksApi(chain.url, createNetwork({ network: 'devnet', client: { baseUrl: chain.url } }));
  wallet = new Broadcaster({ api, address: WALLET.address, senderKey: stacksPrivateKey(WALLET), maxFee: 100_000n, pollMs: 100 });
});

afterAll(async () => {
  link?.close();
  await teardown([hub], chain, dir);
});

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
});
