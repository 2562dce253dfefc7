// A client's link to its hub (peer/hub-link.ts) over the WHATWG WebSocket interface a
// page has (browser-socket.ts; here the `ws` package's, which implements it): the same
// handshake as node-to-node, node requests both ways, one session kept across a hub
// restart, a hub that proves to be someone else refused for good, oversized and binary
// frames refused before they are parsed. The page itself runs it in Chromium (tests/browser).
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { browserFrameSocket, type WhatwgWebSocket } from '../../client/src/peer/browser-socket.js';
import { PeerCode, type PeerError } from '../../client/src/peer/errors.js';
import { MAX_FRAME_BYTES } from '../../client/src/peer/frames.js';
import { HubLink, type HubLinkOptions } from '../../client/src/peer/hub-link.js';
import { keyIdentity } from '../../client/src/peer/identity.js';
import { PeerNetwork } from '../../client/src/peer/network.js';
import type { PeerSession } from '../../client/src/peer/session.js';
import { KEY_A, KEY_B, KEY_MALLORY, PRINCIPAL_A, PRINCIPAL_B } from './fixtures/peers.js';

const recover = (h: Uint8Array, s: Uint8Array) => nobleBackend.recover(h, s);
const running: { close(): unknown }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
});

async function hub(port = 0, key = KEY_B) {
  const sessions: PeerSession[] = [];
  const n = new PeerNetwork({
    identity: keyIdentity(key, nobleBackend, CHAIN_ID_TESTNET), chainId: CHAIN_ID_TESTNET, recover, keepaliveMs: 0,
    onSession: (s) => sessions.push(s),
    onRequest: (kind, body) => ({ kind, echo: body }),
  });
  running.push(n);
  const url = await n.listen(port);
  return { n, url, port: Number(new URL(url).port), sessions };
}

const whatwg = (url: string) => browserFrameSocket(new WebSocket(url) as unknown as WhatwgWebSocket);

function link(url: string, o: Partial<HubLinkOptions> = {}) {
  const ends: (PeerError | null)[] = [];
  const l = new HubLink({
    url, identity: keyIdentity(KEY_A, nobleBackend, CHAIN_ID_TESTNET), chainId: CHAIN_ID_TESTNET, recover, socket: whatwg,
    redial: { firstMs: 20, maxMs: 100 }, onDisconnected: (e) => ends.push(e), onRequest: () => 'from the page', ...o,
  });
  running.push(l);
  return { l, ends };
}

describe('a client linked to its hub', () => {
  it('authenticates both ways and carries node requests each way', async () => {
    const h = await hub();
    const { l } = link(h.url, { expect: PRINCIPAL_B });
    const session = await l.ready;
    expect(session.principal).toBe(PRINCIPAL_B);
    expect(l.connected).toBe(true);
    expect(await session.request('ping', { n: 1 })).toEqual({ kind: 'ping', echo: { n: 1 } });
    await expect.poll(() => h.sessions.length).toBe(1);
    expect(h.sessions[0]!.principal).toBe(PRINCIPAL_A);
    expect(await h.sessions[0]!.request('hello', {})).toBe('from the page');
  });

  it('keeps one session across a hub restart, dialling again until it is back', async () => {
    const first = await hub();
    const { l, ends } = link(first.url);
    const session = await l.ready;
    await first.n.close();
    await expect.poll(() => l.connected).toBe(false);
    expect(ends.length).toBeGreaterThan(0);
    await expect(session.request('ping', {})).rejects.toMatchObject({ code: PeerCode.Closed });
    await new Promise((r) => setTimeout(r, 150)); // some dials fail while it is away
    const again = await hub(first.port);
    await expect.poll(() => l.connected, { timeout: 5_000 }).toBe(true);
    expect(l.session).toBe(session);
    expect(await session.request('ping', { n: 2 })).toEqual({ kind: 'ping', echo: { n: 2 } });
    expect(again.sessions.map((s) => s.principal)).toEqual([PRINCIPAL_A]);
  });

  it('refuses for good a hub that proves to be someone else: no second dial', async () => {
    const h = await hub(0, KEY_MALLORY);
    let dials = 0;
    const { l } = link(h.url, { expect: PRINCIPAL_B, socket: (u) => (dials++, whatwg(u)) });
    await expect(l.ready).rejects.toMatchObject({ code: PeerCode.WrongPeer });
    await new Promise((r) => setTimeout(r, 200));
    expect(dials).toBe(1);
    expect(l.connected).toBe(false);
  });

  it('a frame over the size limit, or a binary one, ends the connection before it is parsed', async () => {
    for (const [frame, code] of [['x'.repeat(MAX_FRAME_BYTES + 1), PeerCode.TooLarge], [Buffer.from('{}'), PeerCode.Malformed]] as const) {
      // a server that sends the frame first thing, in place of a hello
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      running.push({ close: () => new Promise((r) => server.close(r)) });
      await new Promise((r) => server.once('listening', r));
      server.on('connection', (s) => s.send(frame));
      const { l, ends } = link(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
      await expect.poll(() => ends.length).toBeGreaterThan(0);
      expect(ends[0]?.code).toBe(code);
      l.close();
      for (const c of server.clients) c.terminate();
    }
  });

  it('without a WebSocket on the platform (Node 20) it says so instead of dialling', async () => {
    const { l, ends } = link('ws://127.0.0.1:1', { socket: undefined });
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBeUndefined();
    await expect.poll(() => ends.length).toBeGreaterThan(0);
    expect(ends[0]).toMatchObject({ code: PeerCode.Closed, message: expect.stringContaining('no WebSocket') as string });
    l.close();
    await expect(l.ready).rejects.toMatchObject({ code: PeerCode.Closed });
  });

  it('a second link for the same account takes over: the first stops with PEER_REPLACED instead of taking it back', async () => {
    const h = await hub();
    const first = link(h.url, { expect: PRINCIPAL_B });
    await first.l.ready;
    const second = link(h.url, { expect: PRINCIPAL_B });
    await second.l.ready;
    await expect.poll(() => first.ends.map((e) => e?.code)).toEqual([PeerCode.Replaced]);
    expect(first.l.lastError?.message).toMatch(/another tab or device/);
    // no tug of war: well past the redial delays (20–100 ms), the second still holds the link
    await new Promise((ok) => setTimeout(ok, 400));
    expect([first.l.connected, second.l.connected]).toEqual([false, true]);
    expect(second.ends).toEqual([]);
    expect(await second.l.session!.request('ping', {})).toEqual({ kind: 'ping', echo: {} });
  });
});
