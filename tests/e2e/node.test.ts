// Two BitStream node processes against the local chain over HTTP, driven only through
// their HTTP API and the CLI, as a user drives them: connect, open an STX and an sBTC
// channel, 10,000 payments, a deposit by the peer, a withdraw, a cooperative close, a
// force close resolved after the window by the nodes' own chain loops; then the on-chain
// balances must be exactly what the signed states say, less each node's fees. Bad input
// to the API gets a clear error and changes nothing; a second node on the same data
// directory is refused; a peer with a wrong key, a malformed frame or a flood is cut off.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cl } from '@stacks/transactions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCreateChannel } from '../../client/src/chain/build-open.js';
import { asBuffer } from '../../client/src/chain/decode.js';
import { CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { Handshake } from '../../client/src/peer/handshake.js';
import { keyIdentity } from '../../client/src/peer/identity.js';
import { DEPLOYER, PARTIES } from '../../client/src/demo/accounts.js';
import { DEVNET_ACCOUNTS } from '../../client/src/devnet/accounts.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { rawPeer } from '../client/fixtures/raw-peer.js';
import { bin, cli, feesPaid, startChainProcess, startNode, type NodeProcess } from './fixtures/node-process.js';

const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-node-e2e-'));
let chain: Awaited<ReturnType<typeof startChainProcess>>;
let view: DemoChain;
let alice: NodeProcess;
let bob: NodeProcess;
/** a node with a low peer rate limit, for the hostile-peer tests */
let carol: NodeProcess;
const SBTC_ASSET = CONTRACTS.sbtcAsset;

beforeAll(async () => {
  // its own process: the test environment resets this process's simnet before each test
  chain = await startChainProcess({ blockMs: 50, burnMs: 150 });
  view = new DemoChain(chain.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
  const faucet = (to: string) => ({
    contractAddress: DEPLOYER.address, contractName: 'sbtc-token', functionName: 'faucet',
    functionArgs: [Cl.uint(50_000_000n), Cl.principal(to)], postConditionMode: 'deny' as const, postConditions: [],
  });
  await view.send(faucet(PARTIES.alice.address), DEPLOYER);
  await view.send(faucet(PARTIES.bob.address), DEPLOYER);
  [alice, bob] = await Promise.all([
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'alice'), key: hex(PARTIES.alice.privateKey), token: 'alice-token' }),
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'bob'), key: hex(PARTIES.bob.privateKey), token: 'bob-token' }),
  ]);
  carol = await startNode({ chainUrl: chain.url, dataDir: join(dir, 'carol'), key: hex(PARTIES.carol.privateKey), token: 'carol-token', extra: { BITSTREAM_PEER_RATE: '20', BITSTREAM_PEER_BURST: '20' } });
  for (let i = 0; (await view.token(PARTIES.bob.address, SBTC_ASSET)) < 50_000_000n; i++) {
    if (i > 200) throw new Error('the faucet transactions were not mined');
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  for (const n of [alice, bob, carol]) n?.proc.kill('SIGTERM');
  await Promise.all([alice?.exited, bob?.exited, carol?.exited]);
  chain?.proc.kill('SIGTERM');
  await chain?.exited;
  rmSync(dir, { recursive: true, force: true });
});

async function payMany(from: NodeProcess, channelId: string, count: number, amount: string, parallel = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const r = await from.api('POST', '/v1/payments', { channelId, amount });
      if (r.status !== 200) throw new Error(`payment refused: ${JSON.stringify(r.body)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}


describe('two node processes, the API and the CLI', () => {
  it('connect, open STX and sBTC channels, 10,000 payments, deposit, withdraw, cooperative and force close', async () => {
    const stxBefore = { a: await view.stx(alice.principal), b: await view.stx(bob.principal) };
    const sbtcBefore = { a: await view.token(alice.principal, SBTC_ASSET), b: await view.token(bob.principal, SBTC_ASSET) };

    const connected = await cli(alice, ['--json', 'peer', 'connect', bob.peerUrl, '--principal', bob.principal]);
    expect(connected.code, connected.stderr).toBe(0);
    expect(JSON.parse(connected.stdout)).toEqual({ principal: bob.principal, connected: true });

    const opened = await cli(alice, ['--json', 'channel', 'open', bob.principal, '1000000']);
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stderr).toMatch(/create-channel/); // progress while waiting for the chain
    const stx = JSON.parse(opened.stdout) as { id: string; balance: string };
    expect(stx.balance).toBe('1000000');
    const sbtcOpen = await alice.api<{ id: string }>('POST', '/v1/channels', { peer: bob.principal, amount: '2000000', token: 'sbtc' });
    expect(sbtcOpen.status, JSON.stringify(sbtcOpen.body)).toBe(201);
    const sbtc = sbtcOpen.body.id;
    // the peer holds both, at the opening state
    expect((await bob.api<{ balance: string; peerBalance: string; role: string }>('GET', `/v1/channels/${stx.id}`)).body).toMatchObject({ role: 'b', balance: '0', peerBalance: '1000000' });

    await Promise.all([payMany(alice, stx.id, 5000, '3'), payMany(alice, sbtc, 4000, '7')]);
    await payMany(bob, stx.id, 1000, '2');

    // the chain loses Bob's first fund-channel: his node sends it again at the same nonce, higher fee
    expect((await fetch(`${chain.url}/dev/drop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'fund-channel' }) })).status).toBe(200);
    const dep = await cli(bob, ['--json', 'channel', 'deposit', stx.id, '5000']);
    expect(dep.code, dep.stderr).toBe(0);
    const funds = (await bob.api<{ kind: string; status: string; nonce: string; fee: string }[]>('GET', '/v1/transactions')).body.filter((t) => t.kind === 'fund-channel');
    expect(funds.map((t) => t.status)).toEqual(['dropped_stale_garbage_collect', 'success']);
    expect(funds[1]!.nonce).toBe(funds[0]!.nonce);
    expect(BigInt(funds[1]!.fee)).toBeGreaterThan(BigInt(funds[0]!.fee));
    expect(JSON.parse(dep.stdout).balance).toBe(String(5000 * 3 - 1000 * 2 + 5000));
    const wd = await alice.api<{ balance: string }>('POST', `/v1/channels/${stx.id}/withdraw`, { amount: '1000' });
    expect(wd.status, JSON.stringify(wd.body)).toBe(200);
    const finalA1 = 1_000_000n - 15_000n + 2_000n - 1_000n;
    expect(wd.body.balance).toBe(finalA1.toString());

    const close = await cli(alice, ['--json', 'channel', 'close', stx.id]);
    expect(close.code, close.stderr).toBe(0);
    expect(JSON.parse(close.stdout).phase).toBe('closed');
    await expect.poll(async () => (await bob.api<{ phase: string }>('GET', `/v1/channels/${stx.id}`)).body.phase, { timeout: 10_000 }).toBe('closed');

    const force = await cli(alice, ['--json', 'channel', 'force-close', sbtc]);
    expect(force.code, force.stderr).toBe(0);
    expect(JSON.parse(force.stdout).phase).toBe('closing');
    // the window passes (6 burn blocks); a node's chain loop resolves it
    await expect.poll(async () => (await alice.api<{ phase: string }>('GET', `/v1/channels/${sbtc}`)).body.phase, { timeout: 30_000, interval: 200 }).toBe('closed');
    await expect.poll(async () => (await bob.api<{ phase: string }>('GET', `/v1/channels/${sbtc}`)).body.phase, { timeout: 10_000 }).toBe('closed');

    // with only the data directory (and the token this test gave the node), the CLI finds the node's API
    const peers = await bin(['--data-dir', bob.dataDir, '--json', 'peer', 'list'], { BITSTREAM_API_TOKEN: bob.token });
    expect(peers.code, peers.stderr).toBe(0);
    expect(JSON.parse(peers.stdout)).toEqual([{ principal: alice.principal, connected: true }]);

    const list = await cli(alice, ['channel', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/channel\s+peer\s+token\s+phase/);

    // on-chain: exactly what the signed states say, less each node's own fees
    const bobFinal1 = 15_000n - 2_000n + 5_000n;
    // (polled: a watchtower's resolve is counted once the node has seen it mined)
    await expect.poll(async () => (await view.stx(alice.principal)) + (await feesPaid(alice)), { timeout: 10_000 }).toBe(stxBefore.a - 1_000_000n + 1_000n + finalA1);
    await expect.poll(async () => (await view.stx(bob.principal)) + (await feesPaid(bob)), { timeout: 10_000 }).toBe(stxBefore.b - 5_000n + bobFinal1);
    expect(await view.token(alice.principal, SBTC_ASSET)).toBe(sbtcBefore.a - 2_000_000n + 2_000_000n - 28_000n);
    expect(await view.token(bob.principal, SBTC_ASSET)).toBe(sbtcBefore.b + 28_000n);
  });
});

describe('bad input to a node', () => {
  it('refuses requests without the token, or with another one', async () => {
    for (const token of ['', 'bob-token']) {
      const r = await alice.api('GET', '/v1/channels', undefined, token);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: { code: 'NODE_UNAUTHORIZED' } });
    }
    expect((await fetch(`${alice.apiUrl}/metrics`)).status).toBe(401);
  });

  it('refuses bad bodies with NODE_BAD_REQUEST, and changes nothing', async () => {
    const before = (await alice.api<unknown[]>('GET', '/v1/channels')).body;
    const bad: unknown[] = [
      { peer: bob.principal, amount: '-5' },
      { peer: bob.principal, amount: '0' },
      { peer: bob.principal, amount: '1', extra: true },
      { peer: 'not-a-principal', amount: '1' },
      { peer: bob.principal, amount: '1', token: 'doge' },
      { peer: bob.principal, amount: '1'.repeat(50) },
      '{"peer":',
    ];
    for (const b of bad) {
      const r = await alice.api('POST', '/v1/channels', b);
      expect(r.status, JSON.stringify(b)).toBe(400);
      expect((r.body as { error: { code: string } }).error.code).toBe('NODE_BAD_REQUEST');
    }
    expect((await alice.api<unknown[]>('GET', '/v1/channels')).body).toEqual(before);
  });

  it('an unknown channel is 404; a payment to a closed channel, or to nobody, is refused', async () => {
    const unknown = 'ab'.repeat(32);
    expect((await alice.api('GET', `/v1/channels/${unknown}`)).status).toBe(404);
    const r = await alice.api('POST', '/v1/payments', { channelId: unknown, amount: '1' });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error: { code: 'NODE_UNKNOWN_CHANNEL' } });
    const closed = (await alice.api<{ id: string; phase: string }[]>('GET', '/v1/channels')).body.find((c) => c.phase === 'closed')!;
    const p = await alice.api('POST', '/v1/payments', { channelId: closed.id, amount: '1' });
    expect(p.status).toBe(409);
    expect(p.body).toMatchObject({ error: { code: 'NODE_CHANNEL_STATE' } });
    expect((await alice.api('GET', '/v1/payments/never-made')).status).toBe(404);
  });

  it('an open the chain refuses to execute is NODE_CHAIN with the reason; no channel is kept on either node', async () => {
    const mine = (await alice.api<unknown[]>('GET', '/v1/channels')).body;
    const theirs = (await bob.api<unknown[]>('GET', '/v1/channels')).body;
    // far more than Alice holds: the peer agrees, the chain mines create-channel, and its transfer fails
    const r = await alice.api<{ error: { code: string; message: string; details: { status: string } } }>('POST', '/v1/channels', { peer: bob.principal, amount: '1000000000000000000' });
    expect(r.status, JSON.stringify(r.body)).toBe(502);
    expect(r.body.error.code).toBe('NODE_CHAIN');
    expect(r.body.error.message).toMatch(/^create-channel failed on-chain: /);
    expect(r.body.error.details.status).toMatch(/^abort_/);
    expect((await alice.api<unknown[]>('GET', '/v1/channels')).body).toEqual(mine);
    expect((await bob.api<unknown[]>('GET', '/v1/channels')).body).toEqual(theirs);
  });

  it('the CLI shows the node\'s error code and exits 1', async () => {
    const r = await cli(alice, ['pay', 'ab'.repeat(32), '5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error NODE_UNKNOWN_CHANNEL/);
  });

  it('a second node on the same data directory is refused: STORE_LOCKED', async () => {
    const r = await bin(['node', 'start'], {
      BITSTREAM_API_URL: chain.url, BITSTREAM_DATA_DIR: alice.dataDir, BITSTREAM_NODE_KEY: hex(PARTIES.alice.privateKey),
      BITSTREAM_PEER_PORT: '0', BITSTREAM_API_PORT: '0', BITSTREAM_LOG_LEVEL: 'warn',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error STORE_LOCKED: .*in use by another process \(pid \d+/);
  });

  it('serves its OpenAPI document and Prometheus metrics', async () => {
    const doc = (await (await fetch(`${alice.apiUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/channels', '/v1/channels/{id}/force-close', '/v1/payments', '/v1/payments/{id}']));
    const m = await (await fetch(`${alice.apiUrl}/metrics`, { headers: { authorization: 'Bearer alice-token' } })).text();
    expect(m).toMatch(/bitstream_payments_sent_total 9000/);
    expect(m).toMatch(/bitstream_channels\{phase="closed"\} 2/);
    // the chain loop follows the contracts' events: it read the channels one by one only when it did not know them yet
    // (a loop that read every channel at every tip would be in the hundreds by now)
    const reads = (kind: string) => Number(new RegExp(`bitstream_chain_reads\\{kind="${kind}"\\} (\\d+)`).exec(m)?.[1] ?? NaN);
    expect(reads('eventPages')).toBeGreaterThan(10);
    expect(reads('channels')).toBeLessThan(20);
  });
});

describe('hostile peers at a node', () => {
  /** A raw socket to carol's peer port, and what carol sends back before closing it. */
  const raw = () => rawPeer(carol.peerUrl);
  const identity = (key: Uint8Array) => keyIdentity(key, nobleBackend, CHAIN_ID_TESTNET);
  const recover = (h: Uint8Array, sig: Uint8Array) => nobleBackend.recover(h, sig);

  it('refuses a handshake with a key that is not the principal claimed', async () => {
    const r = await raw();
    const liar = { ...identity(PARTIES.alice.privateKey), principal: PARTIES.bob.address };
    r.send(new Handshake({ identity: liar, chainId: CHAIN_ID_TESTNET, dialler: true, recover }).hello);
    await r.closed;
    expect(r.errorCode()).toBe('PEER_AUTH_FAILED');
  });

  it('closes on a malformed frame, and on a flood after the handshake, and stays up for others', async () => {
    const bad = await raw();
    bad.ws.send('{"t":');
    await bad.closed;
    expect(bad.errorCode()).toBe('PEER_MALFORMED_FRAME');

    const flood = await raw();
    const hs = new Handshake({ identity: identity(PARTIES.alice.privateKey), chainId: CHAIN_ID_TESTNET, dialler: true, recover });
    flood.ws.send(JSON.stringify(hs.hello));
    flood.ws.send(JSON.stringify(await hs.onHello((await flood.next('hello')) as Parameters<Handshake['onHello']>[0])));
    for (let i = 0; i < 100; i++) flood.ws.send(JSON.stringify({ t: 'app', kind: 'ping', id: `x${i}`, body: null }));
    await flood.closed;
    expect(flood.errorCode()).toBe('PEER_RATE_LIMITED');

    // carol is still there, changed nothing, and takes an honest peer
    expect((await carol.api<unknown[]>('GET', '/v1/channels')).body).toEqual([]);
    const r = await alice.api<{ connected: boolean }>('POST', '/v1/peers', { url: carol.peerUrl, principal: carol.principal });
    expect(r.body.connected).toBe(true);
  });

  /** A peer authenticated to carol as `key`'s principal, sending node requests by hand. */
  async function authenticated(key: Uint8Array) {
    const r = await raw();
    const hs = new Handshake({ identity: identity(key), chainId: CHAIN_ID_TESTNET, dialler: true, recover });
    r.send(hs.hello);
    r.send(await hs.onHello((await r.next('hello')) as Parameters<Handshake['onHello']>[0]));
    await r.next('auth');
    let n = 0;
    const request = async (kind: string, body: unknown) => {
      const id = `q${n++}`;
      r.send({ t: 'app', kind, id, body });
      // bounded, and saying why: a connection carol closed never answers
      const deadline = Date.now() + 15_000;
      for (;;) {
        const answer = r.frames.find((f) => f['t'] === 'app' && f['id'] === id);
        if (answer !== undefined) return answer as { kind: string; body: { code?: string; message?: string } };
        if (Date.now() > deadline) throw new Error(`no answer to ${kind} (socket state ${r.ws.readyState}); frames: ${JSON.stringify(r.frames).slice(0, 800)}`);
        await new Promise((res) => setTimeout(res, 10));
      }
    };
    return { r, request };
  }

  it('refuses to take a channel that is not on-chain exactly as agreed, and opening terms it does not take', async () => {
    // The peer is wallet_4, which runs no node: posing as alice, whose node is connected
    // to carol, this connection would replace hers, and her node's redial would then
    // replace this one mid-request (CI #22 hung here). wallet_4's channel is with Bob.
    const m = DEVNET_ACCOUNTS.wallet_4;
    const created = await view.submit(
      buildCreateChannel({ contract: CONTRACTS.channel, sender: m.address, participantB: PARTIES.bob.address, token: null, amount: 1_000_000n, window: 6n }),
      { devnetName: m.name, address: m.address, privateKey: m.privateKey },
    );
    const withBob = hex(asBuffer(created.value, 'create-channel', 32));
    const txid = created.txid.replace(/^0x/, '');
    const { r, request } = await authenticated(m.privateKey);
    const offer = { token: null, amount: '1000000', window: '6' };
    // announced without an agreed offer
    const unasked = await request('open-created', { channelId: withBob, txid, offer });
    expect(unasked).toMatchObject({ kind: 'refuse', body: { code: 'NODE_OPEN_MISMATCH' } });
    // agreed, then wallet_4 claims its channel with Bob is the one it opened with Carol
    expect(await request('open-offer', offer)).toMatchObject({ kind: 'reply', body: { accept: true } });
    const claimed = await request('open-created', { channelId: withBob, txid, offer });
    expect(claimed).toMatchObject({ kind: 'refuse', body: { code: 'NODE_OPEN_MISMATCH' } });
    expect(claimed.body.message).toMatch(new RegExp(`participant-b is ${PARTIES.bob.address}`));
    // terms carol does not take, a body that does not parse, a request no node knows
    expect(await request('open-offer', { ...offer, token: `${DEPLOYER.address}.test-token` })).toMatchObject({ kind: 'refuse', body: { code: 'NODE_OPEN_REFUSED' } });
    expect(await request('open-offer', { ...offer, window: '5' })).toMatchObject({ kind: 'refuse', body: { code: 'NODE_OPEN_REFUSED' } });
    expect(await request('open-offer', { ...offer, amount: '-1' })).toMatchObject({ kind: 'refuse', body: { code: 'NODE_BAD_REQUEST' } });
    expect(await request('steal', {})).toMatchObject({ kind: 'refuse', body: { code: 'NODE_BAD_REQUEST' } });
    r.ws.close();
    // nothing taken
    expect((await carol.api<unknown[]>('GET', '/v1/channels')).body).toEqual([]);
  });

  it('an open with a peer that is not connected is refused before anything is sent', async () => {
    const before = (await alice.api<unknown[]>('GET', '/v1/transactions')).body.length;
    const r = await alice.api('POST', '/v1/channels', { peer: DEVNET_ACCOUNTS.wallet_4.address, amount: '1000' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: { code: 'NODE_PEER_NOT_CONNECTED' } });
    expect((await alice.api<unknown[]>('GET', '/v1/transactions')).body.length).toBe(before);
  });
});

describe('the CLI without a node', () => {
  it('says no node answers, and will not write a key without a passphrase', async () => {
    const none = await bin(['--api', 'http://127.0.0.1:9', 'channel', 'list'], {});
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/error CLI_NODE_UNREACHABLE: no node answers at http:\/\/127\.0\.0\.1:9/);
    const out = join(dir, 'cli-key.json');
    const refused = await bin(['key', 'create', '--out', out], { BITSTREAM_KEY_PASSPHRASE: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error CLI_NO_PASSPHRASE/);
    expect(existsSync(out)).toBe(false);
  });
});

