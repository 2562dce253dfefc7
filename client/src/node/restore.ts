// `bitstream restore <file>`: bring a node's channels back from its backup file into its
// data directory, with the node stopped (the store's lock makes this the directory's only
// owner meanwhile). Each channel this directory does not hold is written to the store and
// the node's records, with the peer to redial, and marked restored: the node will not
// close it alone until the peer has shown its newest state (peer-vault.ts). A channel the
// directory already holds is left as it is — its own copy is at least as new.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupKey } from '../backup/seal.js';
import { openBackup } from '../backup/open.js';
import { nobleBackend } from '../crypto/noble.js';
import { principalOf } from '../peer/handshake.js';
import { SqliteStore } from '../store/sqlite.js';
import { fromHex } from '../wire/json.js';
import type { NodeConfig } from './config.js';
import { NodeCode, NodeError } from './errors.js';
import { loadKey } from './keyfile.js';
import { NodeMeta, type RestoredMark } from './meta.js';
import { mkdirSync } from 'node:fs';
import type { BackupChannel } from '../backup/format.js';
import type { ChannelRecord } from '../store/types.js';

export interface RestoredChannel {
  readonly id: string;
  readonly peer: string;
  readonly token: string | null;
  readonly nonce: string;
  /** this node's balance in the restored state */
  readonly balance: string;
  /** restored, or kept: the data directory already held it */
  readonly outcome: 'restored' | 'kept';
}

/** A backed-up channel as the store keeps it: no proposal of ours outstanding, a fresh tag key. */
export function restoredRecord(c: BackupChannel): ChannelRecord {
  const tagKey = new Uint8Array(32);
  crypto.getRandomValues(tagKey);
  return { channelId: fromHex(c.meta.id), latest: c.latest, base: c.base, closable: c.closable, pending: null, tagKey, abandoned: [] };
}

/** What goes with a restored channel's record: its secrets, its terms, where it landed, its peer's address, and the mark that it is unproven. */
export async function writeRestored(store: SqliteStore, meta: NodeMeta, c: BackupChannel, source: RestoredMark['source']): Promise<void> {
  for (const secret of c.secrets) await store.saveSecret(fromHex(c.meta.id), secret);
  if (meta.channel(c.meta.id) === null) meta.addChannel(c.meta);
  for (const l of c.landings) meta.landed(c.meta.id, l.nonce, l.burn);
  if (c.peerUrl !== null) meta.savePeer(c.meta.peer, c.peerUrl);
  meta.markRestored(c.meta.id, { nonce: c.latest.state.nonce, source, at: Date.now() });
}

export async function restoreFromFile(config: NodeConfig, file: string): Promise<{ createdAt: number; channels: RestoredChannel[] }> {
  let sealed: Uint8Array;
  try {
    sealed = new Uint8Array(readFileSync(file));
  } catch (cause) {
    throw new NodeError(NodeCode.BadRequest, `cannot read the backup file ${file}`, { cause, details: { path: file } });
  }
  const privateKey = await loadKey(config.key);
  const principal = principalOf(nobleBackend.publicKeyOf(privateKey), config.chain.chainId);
  const b = openBackup(backupKey(privateKey), sealed, { chainId: config.chain.chainId, contract: config.chain.contract, principal });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = new SqliteStore(join(config.dataDir, 'channels.db'));
  const meta = new NodeMeta(join(config.dataDir, 'node.db'));
  try {
    const out: RestoredChannel[] = [];
    for (const c of b.channels) {
      const id = fromHex(c.meta.id);
      const s = c.latest.state;
      const view = { id: c.meta.id, peer: c.meta.peer, token: c.meta.token, nonce: s.nonce.toString(), balance: (c.meta.role === 'a' ? s.balanceA : s.balanceB).toString() };
      if (store.load(id) !== null) {
        out.push({ ...view, outcome: 'kept' });
        continue;
      }
      await store.restore(restoredRecord(c));
      await writeRestored(store, meta, c, 'file');
      out.push({ ...view, outcome: 'restored' });
    }
    return { createdAt: b.createdAt, channels: out };
  } finally {
    await store.close();
    meta.close();
  }
}
