// The rules that keep a restore from costing money, against a real manager, store and
// node records (no chain, no network): a restored state must be this channel's and signed
// by both sides, or nothing is written; a restored channel does not force-close until the
// peer has shown its newest state (NODE_UNPROVEN_STATE); a peer's tip is adopted only if
// newer and signed by both; and peer storage keeps backups only for the peer a channel is
// with, of bounded size, and hands each peer only its own — nor shows a stranger a tip.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupChannel } from '../../client/src/backup/format.js';
import { backupKey } from '../../client/src/backup/seal.js';
import { domainHash, stateHash } from '../../client/src/codec/sip018.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { sha256 } from '../../client/src/crypto/sha256.js';
import { NodeEvents } from '../../client/src/node/events.js';
import { InvoiceLedger } from '../../client/src/node/invoice-ledger.js';
import { ChannelManager, type ManagerOptions } from '../../client/src/node/manager.js';
import { NodeMeta } from '../../client/src/node/meta.js';
import { MAX_BLOB, PeerVault, VaultStore } from '../../client/src/node/peer-vault.js';
import { BackupWriter } from '../../client/src/node/backups.js';
import { openBackup } from '../../client/src/backup/open.js';
import type { PeerSession } from '../../client/src/peer/session.js';
import { SqliteStore } from '../../client/src/store/sqlite.js';
import type { SignedState } from '../../client/src/store/types.js';
import { toHex } from '../../client/src/wire/json.js';
import { DOMAIN, KEY_A, KEY_B, KEY_MALLORY, PRINCIPAL_A, PRINCIPAL_B, channelIdOf, keySigner, openingState } from './fixtures/peers.js';

const CHANNEL = channelIdOf(31);
const ID = toHex(CHANNEL);
const STRANGER = 'ST3AM1A56AK2C1XAFJ4115ZSV26EB49BVQ10MGCS0';

function signedAt(nonce: bigint, o: { keyB?: Uint8Array; channelId?: Uint8Array; htlcs?: SignedState['state']['htlcs'] } = {}): SignedState {
  const state = { ...openingState(o.channelId ?? CHANNEL, 0n), nonce, balanceA: 1_000_000n - nonce * 10n, balanceB: nonce * 10n, htlcs: o.htlcs ?? [] };
  const hash = stateHash(state, domainHash(DOMAIN));
  return { state, hash, sigA: nobleBackend.sign(hash, KEY_A), sigB: nobleBackend.sign(hash, o.keyB ?? KEY_B) };
}
const channelAt = (s: SignedState): BackupChannel => ({
  meta: { id: ID, peer: PRINCIPAL_B, peerKey: toHex(nobleBackend.publicKeyOf(KEY_B)), role: 'a', token: null, window: 6n, opening: 1_000_000n, phase: 'open', createdTxid: '00'.repeat(32), createdAt: 0 },
  peerUrl: null, latest: s, base: null, closable: s, secrets: [], landings: [],
});

let dir: string;
let store: SqliteStore;
let meta: NodeMeta;
let ledger: InvoiceLedger;
let vaultStore: VaultStore;
let manager: ChannelManager;
let served: Map<string, (body: unknown, s: PeerSession) => unknown>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bitstream-restore-rules-'));
  store = new SqliteStore(join(dir, 'channels.db'));
  meta = new NodeMeta(join(dir, 'node.db'));
  ledger = new InvoiceLedger(join(dir, 'invoices.db'));
  vaultStore = new VaultStore(join(dir, 'vault.db'));
  const transport = { send: () => undefined, onMessage: () => () => undefined, close: () => undefined };
  const session = { transport: () => transport, connected: false };
  manager = new ChannelManager({
    self: { principal: PRINCIPAL_A, publicKey: nobleBackend.publicKeyOf(KEY_A), signer: keySigner(KEY_A), backend: nobleBackend },
    store, meta, net: { session: () => undefined, sessionFor: () => session }, api: {}, broadcaster: {}, ctx: { contract: DOMAIN.contract },
    chainId: DOMAIN.chainId, tokens: [], window: { min: 6n, max: 100n }, confirmations: 1, events: new NodeEvents(), log: pino({ level: 'silent' }),
  } as unknown as ManagerOptions);
  served = new Map();
  const serve = manager.serve.bind(manager);
  manager.serve = (kind, h) => {
    served.set(kind, h);
    serve(kind, h);
  };
  new PeerVault({ manager, store, meta, ledger, vault: vaultStore, storage: true, key: backupKey(KEY_A), intervalMs: 10, log: pino({ level: 'silent' }), identity: { chainId: DOMAIN.chainId, contract: DOMAIN.contract, principal: PRINCIPAL_A } });
});

afterEach(async () => {
  manager.shutdown();
  await store.close();
  meta.close();
  ledger.close();
  vaultStore.close();
  rmSync(dir, { recursive: true, force: true });
});

const from = (principal: string) => ({ principal }) as PeerSession;

describe('restoring a channel', () => {
  it('refuses a state signed by another key than the peer\'s, or of another channel: nothing written', async () => {
    for (const bad of [channelAt(signedAt(20n, { keyB: KEY_MALLORY })), channelAt(signedAt(20n, { channelId: channelIdOf(32) }))]) {
      await expect(manager.importChannel(bad, 'file')).rejects.toMatchObject({ code: 'NODE_BAD_REQUEST' });
    }
    const unsigned = channelAt({ ...signedAt(20n), sigB: null });
    await expect(manager.importChannel(unsigned, 'file')).rejects.toMatchObject({ code: 'NODE_BAD_REQUEST' });
    expect(store.load(CHANNEL)).toBeNull();
    expect(meta.channel(ID)).toBeNull();
    expect(manager.all()).toEqual([]);
  });

  it('a restored channel will not force-close until the peer shows its newest state; a forged or older tip proves nothing new', async () => {
    expect(await manager.importChannel(channelAt(signedAt(20n)), 'file')).toBe(true);
    expect(manager.get(ID)).toMatchObject({ nonce: '20', restored: { nonce: '20', source: 'file' } });
    await expect(manager.forceClose(ID)).rejects.toMatchObject({ code: 'NODE_UNPROVEN_STATE' });
    // an older copy (the peer's storage lagging) does not replace the restored one
    expect(await manager.importChannel(channelAt(signedAt(15n)), 'peer')).toBe(false);
    expect(manager.get(ID).nonce).toBe('20');

    // a newer tip not signed by the peer is refused, and the channel stays unproven
    const forged = signedAt(30n, { keyB: KEY_MALLORY });
    await expect(manager.adoptTip(ID, { latest: forged, base: null, closable: forged })).rejects.toMatchObject({ code: 'NODE_BAD_REQUEST' });
    expect(manager.restoredMark(ID)).not.toBeNull();
    expect(store.load(CHANNEL)!.latest.state.nonce).toBe(20n);

    // the real newest tip: adopted, stored, proven
    const newest = signedAt(30n);
    expect(await manager.adoptTip(ID, { latest: newest, base: null, closable: newest })).toEqual({ adopted: true, nonce: 30n });
    expect(manager.restoredMark(ID)).toBeNull();
    expect(store.load(CHANNEL)!.latest.state.nonce).toBe(30n);
    expect(manager.get(ID)).toMatchObject({ nonce: '30', balance: String(1_000_000n - 300n), restored: null });
    // and the store never goes back: a restore to an older state is refused
    await expect(store.restore({ ...store.load(CHANNEL)!, latest: signedAt(25n) })).rejects.toMatchObject({ code: 'STORE_NONCE_REGRESSION' });
  });
});

describe('the backup file', () => {
  it('holds each channel at its newest state: a channel re-encoded when it changes, kept as it was when it did not', async () => {
    const key = backupKey(KEY_A);
    const identity = { chainId: DOMAIN.chainId, contract: DOMAIN.contract, principal: PRINCIPAL_A };
    const writer = new BackupWriter({ manager, store, meta, ledger, identity, key, path: join(dir, 'channels.backup'), intervalMs: 10, events: new NodeEvents(), log: pino({ level: 'silent' }) });
    const read = () => openBackup(key, new Uint8Array(readFileSync(join(dir, 'channels.backup'))), identity);
    await manager.importChannel(channelAt(signedAt(20n)), 'file');
    expect((await writer.writeNow()).nonces).toEqual({ [ID]: '20' });
    const first = read();
    expect(first.channels.map((c) => c.latest.state.nonce)).toEqual([20n]);
    // unchanged: the same channel bytes again
    await writer.writeNow();
    expect(read().channels).toEqual(first.channels);
    // a newer state, with an HTLC the peer offers us: in the next backup
    const secret = new Uint8Array(32).fill(4);
    const newest = signedAt(30n, { htlcs: [{ hash: sha256(secret), amount: 50n, expiry: 900n, offeredByA: false }] });
    await manager.adoptTip(ID, { latest: newest, base: null, closable: newest });
    expect((await writer.writeNow()).nonces).toEqual({ [ID]: '30' });
    expect(read().channels[0]).toMatchObject({ latest: { state: { nonce: 30n } }, closable: { state: { nonce: 30n } }, secrets: [] });
    // the secret of that HTLC learned (to claim it): in the next backup, and no other secret
    await store.saveSecret(CHANNEL, new Uint8Array(32).fill(5));
    await store.saveSecret(CHANNEL, secret);
    await writer.writeNow();
    expect(read().channels[0]!.secrets).toEqual([secret]);
    await writer.stop();
    // a node with no backup file writes one only where it is told
    const none = new BackupWriter({ manager, store, meta, ledger, identity, key, path: null, intervalMs: 10, events: new NodeEvents(), log: pino({ level: 'silent' }) });
    await expect(none.writeNow()).rejects.toMatchObject({ code: 'NODE_BAD_REQUEST' });
  });
});

describe('peer storage', () => {
  it('keeps a backup only from the peer the channel is with, bounded in size, and hands each peer only its own', async () => {
    const put = served.get('vault-put')!;
    const blob = Buffer.from('sealed bytes').toString('base64');
    expect(() => put({ channelId: ID, blob }, from(PRINCIPAL_B))).toThrow(expect.objectContaining({ code: 'NODE_UNKNOWN_CHANNEL' }) as Error);
    await manager.importChannel(channelAt(signedAt(5n)), 'file');
    expect(() => put({ channelId: ID, blob }, from(STRANGER))).toThrow(expect.objectContaining({ code: 'NODE_UNKNOWN_CHANNEL' }) as Error);
    expect(() => put({ channelId: ID, blob: Buffer.alloc(MAX_BLOB + 1).toString('base64') }, from(PRINCIPAL_B))).toThrow(expect.objectContaining({ code: 'NODE_BAD_REQUEST' }) as Error);
    expect(() => put({ channelId: 'nope', blob }, from(PRINCIPAL_B))).toThrow(expect.objectContaining({ code: 'NODE_BAD_REQUEST' }) as Error);
    expect(vaultStore.list(PRINCIPAL_B)).toEqual([]);

    expect(put({ channelId: ID, blob }, from(PRINCIPAL_B))).toEqual({ ok: true });
    expect(served.get('vault-list')!({}, from(PRINCIPAL_B))).toEqual([{ channelId: ID, at: expect.any(Number) as number }]);
    expect(served.get('vault-get')!({ channelId: ID }, from(PRINCIPAL_B))).toEqual({ blob });
    expect(served.get('vault-list')!({}, from(STRANGER))).toEqual([]);
    expect(() => served.get('vault-get')!({ channelId: ID }, from(STRANGER))).toThrow(expect.objectContaining({ code: 'NODE_UNKNOWN_CHANNEL' }) as Error);
  });

  it('turned off, keeps nothing for a peer, and still shows a channel\'s tip to its peer', async () => {
    new PeerVault({ manager, store, meta, ledger, vault: vaultStore, storage: false, key: backupKey(KEY_A), intervalMs: 10, log: pino({ level: 'silent' }), identity: { chainId: DOMAIN.chainId, contract: DOMAIN.contract, principal: PRINCIPAL_A } });
    await manager.importChannel(channelAt(signedAt(5n)), 'file');
    expect(() => served.get('vault-put')!({ channelId: ID, blob: 'AAAA' }, from(PRINCIPAL_B))).toThrow(expect.objectContaining({ code: 'NODE_OPEN_REFUSED' }) as Error);
    expect(vaultStore.list(PRINCIPAL_B)).toEqual([]);
    expect(served.get('channel-tip')!({ channelId: ID }, from(PRINCIPAL_B))).toMatchObject({ latest: { state: { nonce: '5' } } });
  });

  it('shows a channel\'s tip only to the peer it is with', async () => {
    await manager.importChannel(channelAt(signedAt(5n)), 'file');
    const tip = served.get('channel-tip')!;
    expect(() => tip({ channelId: ID }, from(STRANGER))).toThrow(expect.objectContaining({ code: 'NODE_UNKNOWN_CHANNEL' }) as Error);
    expect(tip({ channelId: ID }, from(PRINCIPAL_B))).toMatchObject({ latest: { state: { nonce: '5' } }, base: null });
  });
});
