// The standalone watchtower's API against the simnet's contract: a participant's signed
// upload of its newest closable state is kept (and is what the watchtower library reads);
// every bad request is refused with its own code and keeps nothing — unsigned, signed by
// another key than named, out of its time window, replayed; not an upload; a deposit
// state; a state the contract refuses (bad signature, another channel); an upload for
// someone else's channel; an older state than held; over the channel limit; too fast.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TowerClient } from '../../client/src/tower/client.js';
import { TowerError } from '../../client/src/tower/errors.js';
import * as chain from '../../client/src/chain/index.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { createTowerApi } from '../../client/src/tower/api.js';
import { RequestAuth, authorization } from '../../client/src/tower/auth.js';
import { TowerStore } from '../../client/src/tower/store.js';
import { stateToJson } from '../../client/src/wire/json.js';
import { Action, CHANNEL, SIMNET_CHAIN_ID, WINDOW, alice, bob, carol, keys, sign, state, toHex, type Channel } from '../contracts/helpers.js';
import { ctx, submit } from './chain-harness.js';

const NOW = 1_800_000_000;
let dir: string;
let store: TowerStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitstream-tower-'));
  store = new TowerStore(join(dir, 'tower.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(): Channel {
  const created = submit(chain.buildCreateChannel({ contract: CHANNEL, sender: alice, participantB: bob, token: null, amount: 1_000n, window: WINDOW }), alice);
  const id = chain.asBuffer(chain.unwrapResponse(created.result, 'bitstream'), 'id', 32);
  return { id, a: alice, b: bob, token: null, contract: CHANNEL };
}

function tower(o: { channelsPerClient?: number; rate?: { perSecond: number; burst: number } } = {}) {
  const clock = { now: NOW };
  const auth = new RequestAuth({ chainId: SIMNET_CHAIN_ID, recover: (h, s) => nobleBackend.recover(h, s), now: () => clock.now });
  const app = createTowerApi({ store, ctx, auth, limits: { channelsPerClient: o.channelsPerClient ?? 100 }, ...(o.rate === undefined ? {} : { rate: o.rate }), now: () => clock.now * 1000 });
  /** a request signed by `as` (an address with a devnet key), or with the header given */
  const send = async (method: 'GET' | 'POST', path: string, body: unknown, as = alice, o2: { header?: string; seconds?: number } = {}) => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const key = keys[as]!;
    const header = o2.header ?? await authorization({ method, path, body: new TextEncoder().encode(text), publicKey: nobleBackend.publicKeyOf(key), seconds: o2.seconds ?? clock.now, sign: (h) => nobleBackend.sign(h, key) });
    const res = await app.request(path, { method, headers: { authorization: header, ...(text === '' ? {} : { 'content-type': 'application/json' }) }, ...(text === '' ? {} : { body: text }) });
    return { status: res.status, body: (await res.json()) as { error?: { code: string }; nonce?: string; stored?: string } };
  };
  return { send, clock };
}

const upload = (s: { state: Parameters<typeof stateToJson>[0]; sigA: Uint8Array; sigB: Uint8Array }) => ({ state: stateToJson(s.state), sigA: toHex(s.sigA), sigB: toHex(s.sigB) });

describe('uploads', () => {
  it('keeps a participant\'s newest closable state, newer ones over it, and the watchtower reads it', async () => {
    const ch = open();
    const { send } = tower();
    const s2 = sign(ch, state(ch, { nonce: 2n, balanceA: 600n, balanceB: 400n }));
    const s5 = sign(ch, state(ch, { nonce: 5n, balanceA: 300n, balanceB: 700n }));
    expect(await send('POST', '/v1/states', upload(s2))).toMatchObject({ status: 201, body: { nonce: '2', stored: 'new' } });
    expect(await send('POST', '/v1/states', upload(s2))).toMatchObject({ status: 200, body: { stored: 'same' } });
    expect(await send('POST', '/v1/states', upload(s5))).toMatchObject({ status: 200, body: { nonce: '5', stored: 'newer' } });
    // Bob may have the same channel watched for himself
    expect(await send('POST', '/v1/states', upload(s5), bob)).toMatchObject({ status: 201 });
    expect(store.latestClosable(ch.id)?.state.nonce).toBe(5n);
    expect(store.latest(ch.id)?.sigA).toEqual(s5.sigA);
    expect(await send('GET', `/v1/states/${toHex(ch.id)}`, undefined)).toMatchObject({ status: 200, body: { nonce: '5' } });
    // and refuses to go back
    const back = await send('POST', '/v1/states', upload(s2));
    expect(back).toMatchObject({ status: 409, body: { error: { code: 'TOWER_STALE' } } });
    expect(store.latest(ch.id)?.state.nonce).toBe(5n);
  });

  it('refuses what it cannot use or must not keep, and keeps nothing', async () => {
    const ch = open();
    const other = open();
    const { send } = tower();
    const good = sign(ch, state(ch, { nonce: 2n, balanceA: 600n, balanceB: 400n }));
    const deposit = sign(ch, state(ch, { nonce: 2n, balanceA: 1_000n, balanceB: 10n, action: Action.Deposit, actor: bob, amount: 10n }));
    const forged = { ...good, sigB: sign(ch, good.state, { keyB: keys[carol]! }).sigB };
    const sum = sign(ch, state(ch, { nonce: 2n, balanceA: 600n, balanceB: 401n }));
    const otherKeys = sign(other, { ...good.state }, {});
    const cases: [string, unknown, string, number][] = [
      ['not an upload', { state: 1 }, 'TOWER_BAD_UPLOAD', 400],
      ['not JSON', '{"state":', 'TOWER_BAD_UPLOAD', 400],
      ['a deposit state', upload(deposit), 'TOWER_NOT_CLOSABLE', 422],
      ['a signature by a key not the participant\'s', upload(forged), 'TOWER_STATE_REJECTED', 422],
      ['balances that do not add up', upload(sum), 'TOWER_STATE_REJECTED', 422],
      ['another channel\'s signatures on this one\'s state', upload({ ...good, sigA: otherKeys.sigA, sigB: sign(other, state(other, { nonce: 2n, balanceA: 1n, balanceB: 999n })).sigB }), 'TOWER_STATE_REJECTED', 422],
    ];
    for (const [what, body, code, status] of cases) {
      const r = await send('POST', '/v1/states', body);
      expect(r.status, what).toBe(status);
      expect(r.body.error?.code, what).toBe(code);
    }
    // Carol signs her request properly, but the channel is Alice and Bob's
    const theirs = await send('POST', '/v1/states', upload(good), carol);
    expect(theirs).toMatchObject({ status: 403, body: { error: { code: 'TOWER_NOT_PARTICIPANT' } } });
    expect(store.channelIds()).toEqual([]);
    expect((await send('GET', `/v1/states/${toHex(ch.id)}`, undefined)).body.error?.code).toBe('TOWER_UNKNOWN_CHANNEL');
  });

  it('a client may have its channel limit watched, and no more', async () => {
    const chs = [open(), open(), open()];
    const { send } = tower({ channelsPerClient: 2 });
    const up = (ch: Channel) => send('POST', '/v1/states', upload(sign(ch, state(ch, { nonce: 2n, balanceA: 500n, balanceB: 500n }))));
    expect((await up(chs[0]!)).status).toBe(201);
    expect((await up(chs[1]!)).status).toBe(201);
    expect((await up(chs[2]!)).body.error?.code).toBe('TOWER_LIMIT');
    // a newer state of a channel it already watches is still taken
    expect((await send('POST', '/v1/states', upload(sign(chs[0]!, state(chs[0]!, { nonce: 3n, balanceA: 400n, balanceB: 600n }))))).status).toBe(200);
  });
});

describe('a chain it cannot read', () => {
  it('answers TOWER_CHAIN (502) and keeps nothing: the client tries again', async () => {
    const ch = open();
    const auth = new RequestAuth({ chainId: SIMNET_CHAIN_ID, recover: (h, s) => nobleBackend.recover(h, s), now: () => NOW });
    const down = { ...ctx, caller: { call: async () => { throw new Error('connect ECONNREFUSED'); } } } as unknown as typeof ctx;
    const app = createTowerApi({ store, ctx: down, auth, limits: { channelsPerClient: 10 } });
    const text = JSON.stringify(upload(sign(ch, state(ch, { nonce: 2n, balanceA: 600n, balanceB: 400n }))));
    const header = await authorization({ method: 'POST', path: '/v1/states', body: new TextEncoder().encode(text), publicKey: nobleBackend.publicKeyOf(keys[alice]!), seconds: NOW, sign: (h) => nobleBackend.sign(h, keys[alice]!) });
    const res = await app.request('/v1/states', { method: 'POST', headers: { authorization: header, 'content-type': 'application/json' }, body: text });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TOWER_CHAIN');
    expect(store.channelIds()).toEqual([]);
  });
});

describe('request signatures', () => {
  it('refuses unsigned, wrongly signed, stale, future and replayed requests; the same request sent anew is not a replay', async () => {
    const ch = open();
    const { send } = tower();
    const body = upload(sign(ch, state(ch, { nonce: 2n, balanceA: 600n, balanceB: 400n })));
    const code = async (r: Promise<{ status: number; body: { error?: { code: string } } }>) => {
      const x = await r;
      return `${x.status} ${x.body.error?.code ?? 'ok'}`;
    };
    expect(await code(send('POST', '/v1/states', body, alice, { header: '' }))).toBe('401 TOWER_UNAUTHENTICATED');
    expect(await code(send('POST', '/v1/states', body, alice, { header: 'Bearer abc' }))).toBe('401 TOWER_UNAUTHENTICATED');
    // Alice's key named, Carol's signature
    const text = JSON.stringify(body);
    const carolSig = await authorization({ method: 'POST', path: '/v1/states', body: new TextEncoder().encode(text), publicKey: nobleBackend.publicKeyOf(keys[alice]!), seconds: NOW, sign: (h) => nobleBackend.sign(h, keys[carol]!) });
    expect(await code(send('POST', '/v1/states', body, alice, { header: carolSig }))).toBe('401 TOWER_UNAUTHENTICATED');
    // signed for another path, or another body
    const elsewhere = await authorization({ method: 'POST', path: '/v1/other', body: new TextEncoder().encode(text), publicKey: nobleBackend.publicKeyOf(keys[alice]!), seconds: NOW, sign: (h) => nobleBackend.sign(h, keys[alice]!) });
    expect(await code(send('POST', '/v1/states', body, alice, { header: elsewhere }))).toBe('401 TOWER_UNAUTHENTICATED');
    expect(await code(send('POST', '/v1/states', body, alice, { seconds: NOW - 301 }))).toBe('401 TOWER_UNAUTHENTICATED');
    expect(await code(send('POST', '/v1/states', body, alice, { seconds: NOW + 301 }))).toBe('401 TOWER_UNAUTHENTICATED');
    expect(store.channelIds()).toEqual([]);
    // a good request once; the same request again is a replay
    const once = await authorization({ method: 'POST', path: '/v1/states', body: new TextEncoder().encode(text), publicKey: nobleBackend.publicKeyOf(keys[alice]!), seconds: NOW, sign: (h) => nobleBackend.sign(h, keys[alice]!) });
    expect(await code(send('POST', '/v1/states', body, alice, { header: once }))).toBe('201 ok');
    expect(await code(send('POST', '/v1/states', body, alice, { header: once }))).toBe('401 TOWER_UNAUTHENTICATED');
    expect(await code(send('POST', '/v1/states', body))).toBe('200 ok');
  });

  it('limits the requests of one client', async () => {
    const ch = open();
    const { send } = tower({ rate: { perSecond: 0.001, burst: 2 } });
    const path = `/v1/states/${toHex(ch.id)}`;
    expect((await send('GET', path, undefined)).status).toBe(404);
    expect((await send('GET', path, undefined, alice, { seconds: NOW - 1 })).status).toBe(404);
    expect((await send('GET', path, undefined, alice, { seconds: NOW - 2 })).body.error?.code).toBe('TOWER_RATE_LIMITED');
    // another client has its own allowance
    expect((await send('GET', path, undefined, bob)).status).toBe(404);
  });
});

describe('the tower client', () => {
  it('uploads and reads back over HTTP, signing each request; a refusal is a TowerError with its code', async () => {
    const ch = open();
    const auth = new RequestAuth({ chainId: SIMNET_CHAIN_ID, recover: (h, s) => nobleBackend.recover(h, s) });
    const app = createTowerApi({ store, ctx, auth, limits: { channelsPerClient: 10 } });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    try {
      const port = (server.address() as { port: number }).port;
      const client = new TowerClient({ url: `http://127.0.0.1:${port}/`, publicKey: nobleBackend.publicKeyOf(keys[alice]!), sign: (h) => nobleBackend.sign(h, keys[alice]!) });
      const s3 = sign(ch, state(ch, { nonce: 3n, balanceA: 100n, balanceB: 900n }));
      expect(await client.upload(s3)).toMatchObject({ nonce: '3', stored: 'new' });
      expect(await client.upload(s3)).toMatchObject({ stored: 'same' });
      expect((await client.held(ch.id)).nonce).toBe('3');
      const old = client.upload(sign(ch, state(ch, { nonce: 2n, balanceA: 500n, balanceB: 500n })));
      await expect(old).rejects.toBeInstanceOf(TowerError);
      await expect(old).rejects.toMatchObject({ code: 'TOWER_STALE' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
