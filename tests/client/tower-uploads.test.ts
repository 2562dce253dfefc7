// The node's uploads to its towers, against a stand-in tower client: one request at a
// time per tower; only the newest closable state of each channel is sent (states
// superseded while waiting never are), never an older one after a newer; deposits and
// half-signed states are not offered; TOWER_STALE counts as held; a failed upload is
// retried after a back-off with the newest state; a stopping node sends what waits.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Action, type ChannelState } from '../../client/src/codec/state.js';
import type { SignedState as ChainSignedState } from '../../client/src/chain/signed.js';
import { TowerUploads } from '../../client/src/node/tower-uploads.js';
import type { SignedState } from '../../client/src/store/types.js';
import type { TowerClient } from '../../client/src/tower/client.js';
import { TowerError } from '../../client/src/tower/errors.js';
import { channelIdOf, openingState } from './fixtures/peers.js';

const log = pino({ level: 'silent' });
const SIG = new Uint8Array(65).fill(1);
const at = (nonce: bigint, action: number = Action.Transfer, sigB: Uint8Array | null = SIG): SignedState =>
  ({ state: { ...openingState(channelIdOf(1), 100n), nonce, action } as ChannelState, hash: new Uint8Array(32), sigA: SIG, sigB });

function fakeTower(o: { delayMs?: number; fail?: () => Error | null } = {}) {
  const sent: bigint[] = [];
  let inFlight = 0;
  let most = 0;
  const client = {
    upload: async (s: ChainSignedState) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, o.delayMs ?? 5));
      inFlight--;
      const e = o.fail?.() ?? null;
      if (e !== null) throw e;
      sent.push(s.state.nonce);
      return { channelId: '', nonce: s.state.nonce.toString(), stored: 'newer' };
    },
  } as unknown as TowerClient;
  return { client, sent, most: () => most };
}

const settle = (u: TowerUploads, nonce: string, ms = 5_000) =>
  expect.poll(() => u.status()[0]!.uploaded['c1'], { timeout: ms, interval: 10 }).toBe(nonce);

describe('uploads to a tower', () => {
  it('sends the newest state, one request at a time, never an older one after a newer', async () => {
    const t = fakeTower({ delayMs: 20 });
    const u = new TowerUploads([t.client], ['http://t'], log, 5);
    for (let n = 1n; n <= 30n; n++) u.onState('c1', at(n));
    await settle(u, '30');
    expect(t.most()).toBe(1);
    expect(t.sent.length).toBeLessThan(30);
    expect([...t.sent].sort((a, b) => (a < b ? -1 : 1))).toEqual(t.sent);
    u.onState('c1', at(12n)); // older than held: not sent
    await new Promise((r) => setTimeout(r, 50));
    expect(t.sent.at(-1)).toBe(30n);
  });

  it('offers only fully signed transfer and close states', async () => {
    const t = fakeTower();
    const u = new TowerUploads([t.client], ['http://t'], log, 5);
    u.onState('c1', at(1n, Action.Deposit));
    u.onState('c1', at(2n, Action.Transfer, null));
    await new Promise((r) => setTimeout(r, 50));
    expect(t.sent).toEqual([]);
    u.onState('c1', at(3n, Action.Close));
    await settle(u, '3');
  });

  it('counts TOWER_STALE as held, and retries a failed upload with the newest state after a back-off', async () => {
    let failures = 1;
    const t = fakeTower({ fail: () => (failures-- > 0 ? new Error('connection refused') : null) });
    const u = new TowerUploads([t.client], ['http://t'], log, 5);
    u.onState('c1', at(4n));
    await expect.poll(() => u.status()[0]!.lastError, { timeout: 2_000, interval: 10 }).toBe('connection refused');
    u.onState('c1', at(5n));
    await settle(u, '5', 5_000);
    expect(t.sent).toEqual([5n]);
    expect(u.status()[0]!.lastError).toBeNull();

    const stale = fakeTower({ fail: () => new TowerError('TOWER_STALE', 'holds newer') });
    const s = new TowerUploads([stale.client], ['http://s'], log, 5);
    s.onState('c1', at(9n));
    await settle(s, '9');
    expect(s.status()[0]!).toMatchObject({ waiting: 0, lastError: null });
  });

  it('drops a state the tower refuses for good, reports it, and goes on with the others at once', async () => {
    let first = true;
    const t = fakeTower({ fail: () => (first ? ((first = false), new TowerError('TOWER_STATE_REJECTED', 'the contract refuses this state: ERR-NOT-OPEN')) : null) });
    const u = new TowerUploads([t.client], ['http://t'], log, 5);
    u.onState('closed', at(3n));
    u.onState('c1', at(8n));
    await settle(u, '8', 500); // no back-off: well within the first retry's second
    expect(u.status()[0]).toMatchObject({ waiting: 0, lastError: null });
    expect(u.status()[0]!.uploaded['closed']).toBeUndefined();
  });

  it('a stopping node sends what waits', async () => {
    const t = fakeTower({ delayMs: 30 });
    const u = new TowerUploads([t.client], ['http://t'], log, 5);
    u.onState('c1', at(1n));
    u.onState('c2', at(7n));
    await u.flush(2_000);
    expect(u.status()[0]!.uploaded).toEqual({ c1: '1', c2: '7' });
  });
});
