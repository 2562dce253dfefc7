// What the node keeps beside the channel states (those are the SqliteStore's): for each
// channel who the peer is, which side this node is, the token, the window and where the
// channel stands; the burn height each on-chain channel state landed at (so a restart
// does not wait the confirmation depth again); the peers to redial; every transaction
// the node sent. SQLite, WAL, synchronous=FULL, written synchronously (a few rows per
// channel operation, never per payment). It lives in the data directory the state store
// locks, so it has one owner too.
import type Database from 'better-sqlite3';
import { openDurable } from '../store/durable-db.js';

export type ChannelPhase = 'open' | 'closing' | 'closed';

export interface ChannelMeta {
  readonly id: string;
  readonly peer: string;
  /** the peer's compressed public key, hex */
  readonly peerKey: string;
  readonly role: 'a' | 'b';
  readonly token: string | null;
  readonly window: bigint;
  /** participant-a's deposit at create-channel */
  readonly opening: bigint;
  readonly phase: ChannelPhase;
  readonly createdTxid: string;
  readonly createdAt: number;
}

/**
 * A channel brought back from a backup or a peer's storage, whose state this node cannot
 * yet show to be the newest: it does not close with it alone until the peer has shown
 * its own newest state (peer-vault.ts).
 */
export interface RestoredMark {
  /** the nonce it was restored at */
  readonly nonce: bigint;
  /** 'file' (a backup file) or 'peer' (the counterparty's peer storage) */
  readonly source: 'file' | 'peer';
  readonly at: number;
}

export interface TxRecord {
  readonly txid: string;
  readonly channelId: string | null;
  readonly kind: string;
  readonly nonce: bigint;
  readonly fee: bigint;
  readonly status: string;
  readonly at: number;
  /** the txid this one replaced (replace-by-fee), if any */
  readonly replaces: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS channels (id TEXT PRIMARY KEY, peer TEXT NOT NULL, peer_key TEXT NOT NULL, role TEXT NOT NULL,
  token TEXT, window TEXT NOT NULL, opening TEXT NOT NULL, phase TEXT NOT NULL, created_txid TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS landed (channel_id TEXT NOT NULL, nonce TEXT NOT NULL, burn TEXT NOT NULL, PRIMARY KEY (channel_id, nonce));
CREATE TABLE IF NOT EXISTS peers (principal TEXT PRIMARY KEY, url TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS restored (channel_id TEXT PRIMARY KEY, nonce TEXT NOT NULL, source TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS txs (txid TEXT PRIMARY KEY, channel_id TEXT, kind TEXT NOT NULL, nonce TEXT NOT NULL, fee TEXT NOT NULL,
  status TEXT NOT NULL, at INTEGER NOT NULL, replaces TEXT);`;

interface ChannelRow {
  id: string; peer: string; peer_key: string; role: string; token: string | null; window: string; opening: string; phase: string; created_txid: string; created_at: number;
}
interface TxRow { txid: string; channel_id: string | null; kind: string; nonce: string; fee: string; status: string; at: number; replaces: string | null }

const toMeta = (r: ChannelRow): ChannelMeta => ({
  id: r.id, peer: r.peer, peerKey: r.peer_key, role: r.role === 'a' ? 'a' : 'b', token: r.token, window: BigInt(r.window), opening: BigInt(r.opening),
  phase: r.phase as ChannelPhase, createdTxid: r.created_txid, createdAt: r.created_at,
});
const toTx = (r: TxRow): TxRecord => ({ txid: r.txid, channelId: r.channel_id, kind: r.kind, nonce: BigInt(r.nonce), fee: BigInt(r.fee), status: r.status, at: r.at, replaces: r.replaces });

export class NodeMeta {
  private readonly db: Database.Database;

  private readonly restored = new Map<string, RestoredMark>();
  private landingsOf: Database.Statement | null = null;

  constructor(path: string) {
    this.db = openDurable(path, SCHEMA);
    for (const r of this.db.prepare('SELECT * FROM restored').all() as { channel_id: string; nonce: string; source: string; at: number }[]) {
      this.restored.set(r.channel_id, { nonce: BigInt(r.nonce), source: r.source === 'peer' ? 'peer' : 'file', at: r.at });
    }
  }

  addChannel(m: ChannelMeta): void {
    this.db.prepare(`INSERT INTO channels VALUES (@id, @peer, @peerKey, @role, @token, @window, @opening, @phase, @createdTxid, @createdAt)`)
      .run({ ...m, window: m.window.toString(), opening: m.opening.toString() });
  }

  channel(id: string): ChannelMeta | null {
    const r = this.db.prepare('SELECT * FROM channels WHERE id = ?').get(id) as ChannelRow | undefined;
    return r === undefined ? null : toMeta(r);
  }

  channels(): ChannelMeta[] {
    return (this.db.prepare('SELECT * FROM channels ORDER BY created_at').all() as ChannelRow[]).map(toMeta);
  }

  setPhase(id: string, phase: ChannelPhase): void {
    this.db.prepare('UPDATE channels SET phase = ? WHERE id = ?').run(phase, id);
  }

  markRestored(channelId: string, m: RestoredMark): void {
    this.db.prepare('INSERT OR REPLACE INTO restored VALUES (?, ?, ?, ?)').run(channelId, m.nonce.toString(), m.source, m.at);
    this.restored.set(channelId, m);
  }

  /** (from memory: every channel view asks) */
  restoredMark(channelId: string): RestoredMark | null {
    return this.restored.get(channelId) ?? null;
  }

  /** The peer showed its newest state, and this node holds it: the channel closes like any other. */
  clearRestored(channelId: string): void {
    this.db.prepare('DELETE FROM restored WHERE channel_id = ?').run(channelId);
    this.restored.delete(channelId);
  }

  landed(channelId: string, nonce: bigint, burn: bigint): void {
    this.db.prepare('INSERT OR IGNORE INTO landed VALUES (?, ?, ?)').run(channelId, nonce.toString(), burn.toString());
  }

  landings(channelId: string): { nonce: bigint; burn: bigint }[] {
    // prepared once: the backup asks for every channel's
    this.landingsOf ??= this.db.prepare('SELECT nonce, burn FROM landed WHERE channel_id = ?');
    return (this.landingsOf.all(channelId) as { nonce: string; burn: string }[])
      .map((r) => ({ nonce: BigInt(r.nonce), burn: BigInt(r.burn) }));
  }

  savePeer(principal: string, url: string): void {
    this.db.prepare('INSERT INTO peers VALUES (?, ?) ON CONFLICT(principal) DO UPDATE SET url = excluded.url').run(principal, url);
  }

  peers(): { principal: string; url: string }[] {
    return this.db.prepare('SELECT principal, url FROM peers').all() as { principal: string; url: string }[];
  }

  addTx(t: TxRecord): void {
    this.db.prepare('INSERT OR REPLACE INTO txs VALUES (@txid, @channelId, @kind, @nonce, @fee, @status, @at, @replaces)')
      .run({ ...t, nonce: t.nonce.toString(), fee: t.fee.toString() });
  }

  setTxStatus(txid: string, status: string): void {
    this.db.prepare('UPDATE txs SET status = ? WHERE txid = ?').run(status, txid);
  }

  /** transactions sent but not yet seen mined or dropped */
  pendingTxs(): TxRecord[] {
    return (this.db.prepare("SELECT * FROM txs WHERE status = 'pending' ORDER BY at").all() as TxRow[]).map(toTx);
  }

  txs(channelId?: string): TxRecord[] {
    const rows = channelId === undefined
      ? this.db.prepare('SELECT * FROM txs ORDER BY at').all()
      : this.db.prepare('SELECT * FROM txs WHERE channel_id = ? ORDER BY at').all(channelId);
    return (rows as TxRow[]).map(toTx);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
