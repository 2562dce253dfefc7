// Peer storage, both ways, and proving a restored channel.
// - For our peers: each peer may keep with us one sealed backup (backup/) per channel it
//   has with us (`vault-put`), and get them back (`vault-list`, `vault-get`). We cannot
//   read them; we keep only the newest per channel, only for channels we hold with that
//   peer, at most MAX_BLOB bytes each.
// - For us: after every change of a channel (at most once per interval) we hand its peer
//   our sealed backup of it; when a connection to a peer comes up, we ask for what it
//   keeps of ours and bring back any channel we do not hold (a node that lost its data
//   directory gets its channels back from the counterparty alone).
// - Proving: a restored channel's state may be older than one we signed before the data
//   was lost, and closing with it would cost the penalty. On every connection we ask the
//   peer for its newest signed states of each restored channel (`channel-tip`), adopt
//   them if newer (the manager checks both signatures) and mark the channel proven.
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { z } from 'zod';
import { SignedSchema, signedJson } from '../backup/format.js';
import { openBackup, sealBackup } from '../backup/open.js';
import type { PeerSession } from '../peer/session.js';
import { openDurable } from '../store/durable-db.js';
import { fromHex } from '../wire/json.js';
import { channelBackup, type BackupSource } from './backups.js';
import { NodeCode, NodeError } from './errors.js';
import type { ChannelHooks } from './manager.js';

/** the most one sealed channel backup may take (it travels in one peer frame) */
export const MAX_BLOB = 24_000;

const ChannelIdSchema = z.string().regex(/^[0-9a-f]{64}$/);
const PutSchema = z.strictObject({ channelId: ChannelIdSchema, blob: z.string().max(Math.ceil(MAX_BLOB / 3) * 4).regex(/^[A-Za-z0-9+/]*={0,2}$/) });
const GetSchema = z.strictObject({ channelId: ChannelIdSchema });
const ListReplySchema = z.array(z.strictObject({ channelId: ChannelIdSchema, at: z.number().int() })).max(10_000);
const BlobReplySchema = z.strictObject({ blob: z.string().max(Math.ceil(MAX_BLOB / 3) * 4) });
const TipSchema = z.strictObject({ latest: SignedSchema, base: SignedSchema.nullable(), closable: SignedSchema });

/** What this node keeps for its peers (vault.db). A courtesy copy, so not fsynced per write: the peer's own data and its backup file come first. */
export class VaultStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openDurable(path, 'CREATE TABLE IF NOT EXISTS vault (owner TEXT NOT NULL, channel_id TEXT NOT NULL, blob BLOB NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (owner, channel_id));');
    this.db.pragma('synchronous = NORMAL');
  }

  put(owner: string, channelId: string, blob: Uint8Array): void {
    this.db.prepare('INSERT OR REPLACE INTO vault VALUES (?, ?, ?, ?)').run(owner, channelId, blob, Date.now());
  }

  list(owner: string): { channelId: string; at: number }[] {
    return (this.db.prepare('SELECT channel_id, at FROM vault WHERE owner = ? ORDER BY at').all(owner) as { channel_id: string; at: number }[]).map((r) => ({ channelId: r.channel_id, at: r.at }));
  }

  get(owner: string, channelId: string): Uint8Array | null {
    const r = this.db.prepare('SELECT blob FROM vault WHERE owner = ? AND channel_id = ?').get(owner, channelId) as { blob: Buffer } | undefined;
    return r === undefined ? null : new Uint8Array(r.blob);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export interface PeerVaultOptions extends BackupSource {
  readonly vault: VaultStore;
  /** peer storage both ways (BITSTREAM_PEER_STORAGE); off, peers' backups are refused. `channel-tip` is answered either way: a peer proving a restored channel needs it */
  readonly storage: boolean;
  readonly key: Uint8Array;
  readonly intervalMs: number;
  readonly log: Logger;
}

export class PeerVault implements ChannelHooks {
  /** channels whose newest backup the peer does not have yet */
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** the nonce of the newest backup each channel's peer took from us (since the node started) */
  private readonly handed = new Map<string, string>();

  constructor(private readonly o: PeerVaultOptions) {
    const m = o.manager;
    m.serve('vault-put', (body, s) => this.onPut(body, s));
    m.serve('vault-list', (_body, s) => o.vault.list(s.principal));
    m.serve('vault-get', (body, s) => {
      const blob = o.vault.get(s.principal, this.parse(GetSchema, body, 'vault-get').channelId);
      if (blob === null) throw new NodeError(NodeCode.UnknownChannel, 'this node keeps no backup of that channel for you');
      return { blob: Buffer.from(blob).toString('base64') };
    });
    m.serve('channel-tip', (body, s) => this.onTip(body, s));
  }

  onState(channelId: string): void {
    this.dirty.add(channelId);
    this.schedule();
  }

  onSecret(channelId: string): void {
    this.onState(channelId);
  }

  /** A connection to `session`'s peer came up: get back what it keeps of ours, then prove every restored channel with it. */
  async onConnected(session: PeerSession): Promise<void> {
    try {
      await this.recover(session);
      await this.prove(session);
    } catch (e) {
      this.o.log.warn({ peer: session.principal, err: e }, 'could not recover or prove channels with this peer');
    }
    // and hand it our newest backups of the channels we have with it
    for (const h of this.o.manager.all()) if (h.meta.peer === session.principal) this.dirty.add(h.meta.id);
    this.schedule();
  }

  /** What each channel's peer keeps of ours: the nonce of the newest backup it took. */
  get copies(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.handed);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async recover(session: PeerSession): Promise<void> {
    const listed = ListReplySchema.safeParse(await session.request('vault-list', {}, 10_000));
    if (!listed.success) return;
    for (const { channelId } of listed.data) {
      const held = this.o.manager.find(channelId);
      if (held !== null && this.o.meta.restoredMark(channelId) === null) continue; // ours, kept since it was made
      const reply = BlobReplySchema.safeParse(await session.request('vault-get', { channelId }, 10_000).catch(() => null));
      if (!reply.success) continue;
      try {
        const b = openBackup(this.o.key, new Uint8Array(Buffer.from(reply.data.blob, 'base64')), this.o.identity);
        for (const c of b.channels) {
          if (c.meta.id !== channelId || c.meta.peer !== session.principal) continue; // a backup of another channel: not this peer's to hand back
          if (await this.o.manager.importChannel(c, 'peer')) this.o.log.info({ channel: c.meta.id, nonce: c.latest.state.nonce.toString() }, 'restored a channel from the peer\'s storage');
        }
      } catch (e) {
        this.o.log.warn({ peer: session.principal, channel: channelId, err: e }, 'the peer handed back a backup this node cannot use');
      }
    }
  }

  private async prove(session: PeerSession): Promise<void> {
    for (const h of this.o.manager.all()) {
      if (h.meta.peer !== session.principal || this.o.meta.restoredMark(h.meta.id) === null) continue;
      const tip = TipSchema.safeParse(await session.request('channel-tip', { channelId: h.meta.id }, 10_000));
      if (!tip.success) throw new NodeError(NodeCode.BadRequest, 'the peer answered channel-tip with nonsense');
      await this.o.manager.adoptTip(h.meta.id, tip.data);
    }
  }

  private onPut(body: unknown, s: PeerSession): { ok: true } {
    if (!this.o.storage) throw new NodeError(NodeCode.OpenRefused, 'this node keeps no backups for its peers (BITSTREAM_PEER_STORAGE=0)');
    const r = this.parse(PutSchema, body, 'vault-put');
    if (this.o.manager.find(r.channelId)?.meta.peer !== s.principal) throw new NodeError(NodeCode.UnknownChannel, 'this node keeps backups only of channels it has with you');
    const blob = Buffer.from(r.blob, 'base64');
    if (blob.length > MAX_BLOB) throw new NodeError(NodeCode.BadRequest, `a backup of at most ${MAX_BLOB} bytes`);
    this.o.vault.put(s.principal, r.channelId, blob);
    return { ok: true };
  }

  /** Our newest signed states of a channel with the asking peer: what it needs to prove its restored copy. */
  private onTip(body: unknown, s: PeerSession): Record<'latest' | 'closable', ReturnType<typeof signedJson>> & { base: ReturnType<typeof signedJson> | null } {
    const { channelId } = this.parse(GetSchema, body, 'channel-tip');
    const h = this.o.manager.find(channelId);
    const record = this.o.store.load(fromHex(channelId));
    if (h === null || record === null || h.meta.peer !== s.principal) throw new NodeError(NodeCode.UnknownChannel, 'no channel with you of that id');
    return { latest: signedJson(record.latest), base: record.base === null ? null : signedJson(record.base), closable: signedJson(record.closable) };
  }

  private schedule(): void {
    if (this.timer !== null || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.push();
    }, this.o.intervalMs);
    this.timer.unref();
  }

  private async push(): Promise<void> {
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      const h = this.o.manager.find(id);
      if (h === null || !this.o.manager.peerConnected(h.meta.peer)) continue; // handed over when it reconnects
      const c = channelBackup(this.o, id);
      if (c === null) continue;
      const blob = sealBackup(this.o.key, { ...this.o.identity, createdAt: Date.now(), channels: [c] });
      if (blob.length > MAX_BLOB) {
        this.o.log.warn({ channel: id, bytes: blob.length }, 'this channel\'s backup is too large for peer storage; the backup file keeps it');
        continue;
      }
      await this.o.manager.sessionOf(h.meta.peer).request('vault-put', { channelId: id, blob: Buffer.from(blob).toString('base64') }, 10_000)
        .then(() => this.handed.set(id, c.latest.state.nonce.toString()))
        .catch((e: unknown) => {
          // away or slow: again later; refused (it does not hold the channel): not again until it changes
          if ((e as { code?: string }).code !== 'PEER_REFUSED') this.dirty.add(id);
          this.o.log.debug({ channel: id, err: e }, 'the peer did not take our backup; trying again later');
        });
    }
    if (this.dirty.size > 0) this.schedule();
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown, kind: string): T {
    const r = schema.safeParse(body);
    if (!r.success) throw new NodeError(NodeCode.BadRequest, `${kind}: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
    return r.data;
  }
}
