// The peer layer over real WebSockets on loopback: the handshake proves each side's key
// (and refuses a wrong key, a signature by another key, a replayed signature, the wrong
// peer and the wrong chain), malformed and oversized frames and floods close the
// connection with a clear error, silent peers are dropped, channels run over a session
// and keep running across a dropped connection and a restarted peer, and a peer only
// ever reaches its own channels.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Channel } from '../../client/src/channel/channel.js';
import { CHAIN_ID_MAINNET, CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { CloseCode, PeerCode, PeerError } from '../../client/src/peer/errors.js';
import { MAX_FRAME_BYTES, parseFrame } from '../../client/src/peer/frames.js';
import { Handshake, type PeerIdentity } from '../../client/src/peer/handshake.js';
import { keyIdentity } from '../../client/src/peer/identity.js';
import { PeerNetwork, type PeerNetworkOptions } from '../../client/src/peer/network.js';
import type { PeerSession } from '../../client/src/peer/session.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { toHex } from '../../client/src/wire/json.js';
import { rawPeer, type RawPeer } from './fixtures/raw-peer.js';
import { KEY_A, KEY_B, KEY_MALLORY, PRINCIPAL_A, PRINCIPAL_B, channelIdOf, openingState, settle, sideConfig } from './fixtures/peers.js';

const backend = nobleBackend;
const recover = (h: Uint8Array, s: Uint8Array) => backend.recover(h, s);
const id = (key: Uint8Array, chainId = CHAIN_ID_TESTNET) => keyIdentity(key, backend, chainId);
const running: PeerNetwork[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(running.splice(0).map((n) => n.close()));
});

function network(key: Uint8Array, o: Partial<PeerNetworkOptions> = {}): PeerNetwork {
  const n = new PeerNetwork({ identity: id(key), chainId: CHAIN_ID_TESTNET, recover, keepaliveMs: 0, redial: { firstMs: 20, maxMs: 200 }, ...o });
  running.push(n);
  return n;
}

const rawClient = (url: string, o: { autoPong?: boolean } = {}) => rawPeer(url, { ...o, track: sockets });

type Raw = RawPeer;

/** Run our side of the handshake on a raw socket as `identity` (signing with `signWith` if given). */
async function handshakeAs(raw: Raw, identity: PeerIdentity, o: { expect?: string; chainId?: number } = {}) {
  const hs = new Handshake({ identity, chainId: o.chainId ?? CHAIN_ID_TESTNET, dialler: true, recover, ...(o.expect ? { expect: o.expect } : {}) });
  raw.send(hs.hello);
  const theirs = (await raw.next('hello')) as Parameters<Handshake['onHello']>[0];
  const auth = await hs.onHello(theirs);
  return { hs, auth, theirs };
}

const errorCode = (raw: Raw) => raw.errorCode();

describe('handshake', () => {
  it('authenticates both principals, and each side knows who it talks to', async () => {
    const sessions: PeerSession[] = [];
    const alice = network(KEY_A, { onSession: (s) => sessions.push(s) });
    const bob = network(KEY_B);
    const url = await alice.listen(0);
    const s = await bob.connect(url, PRINCIPAL_A);
    expect(s.principal).toBe(PRINCIPAL_A);
    await expect.poll(() => sessions.length).toBe(1);
    expect(sessions[0]!.principal).toBe(PRINCIPAL_B);
    expect(toHex(sessions[0]!.publicKey)).toBe(toHex(backend.publicKeyOf(KEY_B)));
  });

  it('refuses a hello whose key is not the claimed principal', async () => {
    const url = await network(KEY_A).listen(0);
    const raw = await rawClient(url);
    const liar = { ...id(KEY_MALLORY), principal: PRINCIPAL_B };
    raw.send(new Handshake({ identity: liar, chainId: CHAIN_ID_TESTNET, dialler: true, recover }).hello);
    expect((await raw.closed).code).toBe(CloseCode.Policy);
    expect(errorCode(raw)).toBe(PeerCode.AuthFailed);
  });

  it('refuses a handshake signed by another key than the one claimed', async () => {
    const url = await network(KEY_A).listen(0);
    const raw = await rawClient(url);
    const mallory = id(KEY_MALLORY);
    // claims Bob's key and principal, but can only sign with its own key
    const { auth } = await handshakeAs(raw, { ...id(KEY_B), sign: mallory.sign });
    raw.send(auth);
    expect((await raw.closed).code).toBe(CloseCode.Policy);
    expect(errorCode(raw)).toBe(PeerCode.AuthFailed);
  });

  it('refuses a signature recorded on an earlier connection', async () => {
    const url = await network(KEY_A).listen(0);
    const first = await rawClient(url);
    const honest = await handshakeAs(first, id(KEY_B));
    first.ws.close();
    // Mallory replays Bob's hello and signature on a new connection: the node's nonce differs
    const second = await rawClient(url);
    second.send(honest.hs.hello);
    await second.next('hello');
    second.send(honest.auth);
    expect((await second.closed).code).toBe(CloseCode.Policy);
    expect(errorCode(second)).toBe(PeerCode.AuthFailed);
  });

  it('a dialler refuses a node that is not the principal it dialled', async () => {
    const url = await network(KEY_MALLORY).listen(0);
    const err = await network(KEY_B).connect(url, PRINCIPAL_A).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerError);
    expect((err as PeerError).code).toBe(PeerCode.WrongPeer);
  });

  it('refuses a peer on another chain', async () => {
    const url = await network(KEY_A).listen(0);
    const raw = await rawClient(url);
    raw.send(new Handshake({ identity: id(KEY_B, CHAIN_ID_MAINNET), chainId: CHAIN_ID_MAINNET, dialler: true, recover }).hello);
    await raw.closed;
    expect(errorCode(raw)).toBe(PeerCode.WrongNetwork);
  });

  it('drops a connection whose handshake does not finish in time', async () => {
    const url = await network(KEY_A, { handshakeMs: 100 }).listen(0);
    const raw = await rawClient(url);
    await raw.closed;
    expect(errorCode(raw)).toBe(PeerCode.Timeout);
  });
});

describe('handshake state machine', () => {
  const hs = (key: Uint8Array, dialler: boolean, nonce?: Uint8Array) => new Handshake({ identity: id(key), chainId: CHAIN_ID_TESTNET, dialler, recover, ...(nonce ? { nonce } : {}) });

  it('refuses an echoed nonce, a key that is not a curve point, a second hello and an auth before the hello', async () => {
    const nonce = new Uint8Array(32).fill(7);
    const a = hs(KEY_A, false, nonce);
    // a refused hello throws at once (not in the promise): the peer's auth may come in the same read
    expect(() => a.onHello(hs(KEY_B, true, nonce).hello)).toThrow(expect.objectContaining({ code: PeerCode.AuthFailed }));
    const notAPoint = { ...hs(KEY_B, true).hello, publicKey: `02${'ff'.repeat(32)}` };
    expect(() => hs(KEY_A, false).onHello(notAPoint)).toThrow(expect.objectContaining({ code: PeerCode.AuthFailed }));
    expect(() => hs(KEY_A, false).onAuth({ t: 'auth', sig: '00'.repeat(65) })).toThrow(expect.objectContaining({ code: PeerCode.Malformed }));
    const b = hs(KEY_A, false);
    await b.onHello(hs(KEY_B, true).hello);
    expect(() => b.onHello(hs(KEY_B, true).hello)).toThrow(expect.objectContaining({ code: PeerCode.Malformed }));
    expect(() => b.onAuth({ t: 'auth', sig: '00'.repeat(65) })).toThrow(expect.objectContaining({ code: PeerCode.AuthFailed }));
  });

  it('a refused hello with its auth right behind it (one read) is refused for the hello, not as an auth before the hello', async () => {
    const url = await network(KEY_A).listen(0);
    const raw = await rawClient(url);
    const liar = new Handshake({ identity: { ...id(KEY_MALLORY), principal: PRINCIPAL_B }, chainId: CHAIN_ID_TESTNET, dialler: true, recover });
    raw.send(liar.hello);
    raw.send({ t: 'auth', sig: '00'.repeat(65) });
    await raw.closed;
    expect(errorCode(raw)).toBe(PeerCode.AuthFailed);
  });

  it('a node refuses a connection from its own key, and a hello after the handshake', async () => {
    const url = await network(KEY_A).listen(0);
    const self = await rawClient(url);
    const { auth } = await handshakeAs(self, id(KEY_A));
    self.send(auth);
    await self.closed;
    expect(errorCode(self)).toBe(PeerCode.AuthFailed);
    const again = await rawClient(url);
    const done = await handshakeAs(again, id(KEY_B));
    again.send(done.auth);
    await again.next('auth');
    again.send(done.hs.hello);
    expect((await again.closed).code).toBe(CloseCode.Protocol);
    expect(errorCode(again)).toBe(PeerCode.Malformed);
  });

  it('parseFrame refuses a frame over the size limit before parsing it', () => {
    expect(() => parseFrame(`{"t":"msg","c":"${'0'.repeat(64)}","m":"${'x'.repeat(MAX_FRAME_BYTES)}"}`)).toThrow(expect.objectContaining({ code: PeerCode.TooLarge }));
  });
});

describe('frames', () => {
  const badFrames: [string, (raw: Raw) => void, string, number][] = [
    ['text that is not JSON', (r) => r.send('{"t":"hello",'), PeerCode.Malformed, CloseCode.Protocol],
    ['a frame of no known type', (r) => r.send({ t: 'gossip', x: 1 }), PeerCode.Malformed, CloseCode.Protocol],
    ['a binary frame', (r) => r.ws.send(Buffer.from([1, 2, 3])), PeerCode.Malformed, CloseCode.Protocol],
    ['a channel message before the handshake', (r) => r.send({ t: 'msg', c: toHex(channelIdOf(1)), m: {} }), PeerCode.NotAuthenticated, CloseCode.Protocol],
    ['a hello with extra fields', (r) => r.send({ ...new Handshake({ identity: id(KEY_B), chainId: CHAIN_ID_TESTNET, dialler: true, recover }).hello, admin: true }), PeerCode.Malformed, CloseCode.Protocol],
  ];
  for (const [what, send, code, close] of badFrames) {
    it(`closes the connection on ${what}, saying why`, async () => {
      const errors: string[] = [];
      const url = await network(KEY_A, { onConnectionError: (e) => errors.push(e.code) }).listen(0);
      const raw = await rawClient(url);
      send(raw);
      expect((await raw.closed).code).toBe(close);
      expect(errorCode(raw)).toBe(code);
      expect(errors).toContain(code);
    });
  }

  it('closes the connection on a frame over the size limit (1009)', async () => {
    const url = await network(KEY_A).listen(0);
    const raw = await rawClient(url);
    raw.send('x'.repeat(200 * 1024));
    expect((await raw.closed).code).toBe(CloseCode.TooLarge);
  });

  it('closes an authenticated peer that floods', async () => {
    const url = await network(KEY_A, { rate: { perSecond: 50, burst: 50 } }).listen(0);
    const raw = await rawClient(url);
    const { auth } = await handshakeAs(raw, id(KEY_B));
    raw.send(auth);
    for (let i = 0; i < 200; i++) raw.send({ t: 'msg', c: toHex(channelIdOf(9)), m: { v: 2, type: 'ack' } });
    expect((await raw.closed).code).toBe(CloseCode.Policy);
    expect(errorCode(raw)).toBe(PeerCode.RateLimited);
  });

  it('drops a peer that stops answering keepalive pings', async () => {
    const url = await network(KEY_A, { keepaliveMs: 50 }).listen(0);
    const raw = await rawClient(url, { autoPong: false });
    const { auth } = await handshakeAs(raw, id(KEY_B));
    raw.send(auth);
    await raw.closed;
    expect(errorCode(raw)).toBe(PeerCode.Timeout);
  });

  it('keeps a peer that answers keepalive pings', async () => {
    const alice = network(KEY_A, { keepaliveMs: 30 });
    const url = await alice.listen(0);
    const s = await network(KEY_B, { keepaliveMs: 30 }).connect(url, PRINCIPAL_A);
    await new Promise((r) => setTimeout(r, 250));
    expect(s.connected).toBe(true);
    expect(alice.session(PRINCIPAL_B)?.connected).toBe(true);
  });
});

describe('channels over a session', () => {
  async function pairOver(aSession: PeerSession, bSession: PeerSession, seed = 1, storeA = new MemoryStore()) {
    const channelId = channelIdOf(seed);
    const initial = openingState(channelId, 1_000_000n);
    const hex = toHex(channelId);
    const a = await Channel.open(sideConfig('a', { store: storeA, transport: aSession.transport(hex), channelId }), initial);
    const b = await Channel.open(sideConfig('b', { store: new MemoryStore(), transport: bSession.transport(hex), channelId }), initial);
    return { a, b };
  }

  async function connected() {
    const alice = network(KEY_A);
    const url = await alice.listen(0);
    const bob = network(KEY_B);
    const atBob = await bob.connect(url, PRINCIPAL_A);
    await expect.poll(() => alice.session(PRINCIPAL_B)?.connected).toBe(true);
    return { alice, bob, url, atAlice: alice.session(PRINCIPAL_B)!, atBob };
  }

  it('carries several channels on one connection', async () => {
    const { atAlice, atBob } = await connected();
    const pairs = await Promise.all([1, 2, 3].map((seed) => pairOver(atAlice, atBob, seed)));
    await Promise.all(pairs.map(async (p, i) => {
      for (let k = 0; k < 50; k++) await p.a.pay(BigInt(i + 1));
    }));
    for (const [i, p] of pairs.entries()) {
      await settle(p);
      expect(p.b.balances.own).toBe(50n * BigInt(i + 1));
      expect(p.a.latest.state.nonce).toBe(p.b.latest.state.nonce);
    }
  });

  it('payments made while the connection is down complete once the dialler has redialled', async () => {
    const { atAlice, atBob } = await connected();
    const p = await pairOver(atAlice, atBob);
    await p.a.pay(10n);
    atAlice.connection!.close('test drops the connection');
    expect(atAlice.connected).toBe(false);
    const during = [p.a.pay(5n), p.a.pay(6n)];
    await Promise.all(during);
    await settle(p);
    expect(atBob.connected).toBe(true);
    expect(p.b.balances.own).toBe(21n);
  });

  it('resumes with a peer that restarts on the same address', async () => {
    const { alice, url, atBob } = await connected();
    const storeA = new MemoryStore();
    const p = await pairOver(alice.session(PRINCIPAL_B)!, atBob, 1, storeA);
    await p.a.pay(1n);
    p.a.close();
    await alice.close();
    // the "restarted" node: a new network on the same port, the channel reopened from its store
    const again = network(KEY_A);
    await again.listen(Number(new URL(url).port));
    await atBob.whenConnected();
    const restored = await Channel.open(
      sideConfig('a', { store: storeA, transport: again.sessionFor(PRINCIPAL_B, backend.publicKeyOf(KEY_B)).transport(toHex(channelIdOf(1))) }),
      openingState(channelIdOf(1), 1_000_000n),
    );
    await restored.pay(2n);
    await settle({ a: restored, b: p.b });
    expect(p.b.balances.own).toBe(3n);
  });

  it('a first dial that fails is an error; a persistent one keeps dialling until the peer is there', async () => {
    // a free address: a network listened there and went away
    const gone = network(KEY_A);
    const url = await gone.listen(0);
    await gone.close();
    const bob = network(KEY_B);
    await expect(bob.connect(url, PRINCIPAL_A)).rejects.toBeInstanceOf(PeerError);
    // a node reconnecting its known peers at start: the peer is restarting, and comes back
    const dialling = bob.connect(url, PRINCIPAL_A, { persistent: true });
    await new Promise((r) => setTimeout(r, 100)); // a few attempts fail meanwhile
    const back = network(KEY_A);
    await back.listen(Number(new URL(url).port));
    const s = await dialling;
    expect(s.connected).toBe(true);
    expect(s.principal).toBe(PRINCIPAL_A);
  });

  it('answers a frame for a channel this node does not hold with this peer with a channel error', async () => {
    const alice = network(KEY_A);
    const url = await alice.listen(0);
    // Alice holds channel 1 with Bob; Mallory tries to talk on it
    alice.sessionFor(PRINCIPAL_B, backend.publicKeyOf(KEY_B)).transport(toHex(channelIdOf(1))).onMessage(() => {
      throw new Error('Mallory reached Bob\'s channel');
    });
    const raw = await rawClient(url);
    const { auth } = await handshakeAs(raw, id(KEY_MALLORY));
    raw.send(auth);
    raw.send({ t: 'msg', c: toHex(channelIdOf(1)), m: { v: 2, type: 'ack', channelId: toHex(channelIdOf(1)), nonce: '1', hash: toHex(new Uint8Array(32)) } });
    const reply = (await raw.next('msg')) as { m: { type: string; code: string } };
    expect(reply.m.type).toBe('error');
    expect(reply.m.code).toBe(PeerCode.UnknownChannel);
  });
});

describe('sessions', () => {
  it('two nodes dialling each other end with the same single connection', async () => {
    const alice = network(KEY_A);
    const bob = network(KEY_B);
    const [ua, ub] = await Promise.all([alice.listen(0), bob.listen(0)]);
    await Promise.all([alice.connect(ub, PRINCIPAL_B), bob.connect(ua, PRINCIPAL_A)]);
    await expect.poll(() => alice.session(PRINCIPAL_B)?.connected && bob.session(PRINCIPAL_A)?.connected).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const a = alice.session(PRINCIPAL_B)!.connection!;
    const b = bob.session(PRINCIPAL_A)!.connection!;
    expect(a.open && b.open).toBe(true);
    // the same socket seen from both ends: one dialled, the other accepted
    expect(a.dialler).toBe(!b.dialler);
  });

  it('a request is answered, and a refusal comes back as a typed error', async () => {
    const alice = network(KEY_A, {
      onRequest: (kind, body) => {
        if (kind === 'echo') return { echoed: body };
        throw new PeerError(PeerCode.Refused, 'no such thing');
      },
    });
    const url = await alice.listen(0);
    const s = await network(KEY_B).connect(url, PRINCIPAL_A);
    expect(await s.request('echo', { n: 1 })).toEqual({ echoed: { n: 1 } });
    const err = (await s.request('other', {}).catch((e: unknown) => e)) as PeerError;
    expect(err.code).toBe(PeerCode.Refused);
    expect(err.details['code']).toBe(PeerCode.Refused);
  });

  it('a request sent the moment a connection comes up reaches a peer that is slow to sign its side of the handshake', async () => {
    // the dialler signs its auth slowly: it verifies the listener's auth first, and must
    // not announce the connection (and send frames) before its own auth has gone out
    const slow = { ...id(KEY_B), sign: async (h: Uint8Array) => {
      await new Promise((r) => setTimeout(r, 150));
      return id(KEY_B).sign(h);
    } };
    const alice = network(KEY_A, { onRequest: (kind) => ({ kind }) });
    const url = await alice.listen(0);
    const answers: unknown[] = [];
    const bob = network(KEY_B, { identity: slow, onConnected: (s) => void s.request('early', {}).then((a) => answers.push(a), (e: unknown) => answers.push(e)) });
    const s = await bob.connect(url, PRINCIPAL_A);
    await expect.poll(() => answers.length).toBe(1);
    expect(answers).toEqual([{ kind: 'early' }]);
    expect(s.connected).toBe(true);
  });

  it('a request the peer never answers times out with PEER_TIMEOUT', async () => {
    const alice = network(KEY_A, { onRequest: () => new Promise(() => undefined) });
    const url = await alice.listen(0);
    const s = await network(KEY_B).connect(url, PRINCIPAL_A);
    await expect(s.request('echo', {}, 100)).rejects.toMatchObject({ code: PeerCode.Timeout });
  });

  it('a request to a peer that is away fails at once with PEER_CLOSED', async () => {
    const bob = network(KEY_B);
    const s = bob.sessionFor(PRINCIPAL_A, backend.publicKeyOf(KEY_A));
    await expect(s.request('echo', {})).rejects.toMatchObject({ code: PeerCode.Closed });
  });
});
