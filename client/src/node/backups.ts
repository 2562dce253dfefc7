// The node's channel backup file (backup/): every open or closing channel's newest
// states, the secrets to enforce them and where its peer is, sealed under the node's key.
// Written after every change — at most once per interval, so a stream of payments costs
// one write a second, not one per payment — when the node stops, and on demand (POST
// /v1/backup). Each write is atomic (a temporary file, fsync, rename, fsync of the
// folder), so a crash mid-write leaves the previous backup whole. Off the payment path:
// the channels' states are read from the store's memory, the file is written async.
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import type { Logger } from 'pino';
import { sealBackupTexts } from '../backup/open.js';
import { channelJson, type BackupChannel } from '../backup/format.js';
import type { SqliteStore } from '../store/sqlite.js';
import { fromHex, toHex } from '../wire/json.js';
import { NodeCode, NodeError } from './errors.js';
import type { NodeEvents } from './events.js';
import type { InvoiceLedger } from './invoice-ledger.js';
import type { ChannelHooks, ChannelManager } from './manager.js';
import type { NodeMeta } from './meta.js';

export interface BackupSource {
  readonly manager: ChannelManager;
  readonly store: SqliteStore;
  readonly meta: NodeMeta;
  readonly ledger: InvoiceLedger;
  readonly identity: { readonly chainId: number; readonly contract: string; readonly principal: string };
}

/** One channel as a backup holds it (null: this node holds no such channel, or it is closed). */
export function channelBackup(src: BackupSource, id: string, peerUrls: ReadonlyMap<string, string> = peerUrlsOf(src.meta)): BackupChannel | null {
  const h = src.manager.find(id);
  const record = src.store.load(fromHex(id));
  if (h === null || record === null || h.meta.phase === 'closed') return null;
  // the secrets of the HTLCs standing in the states it keeps, and no others: a channel
  // learns a secret per invoice payment, and only a standing HTLC is ever claimed with one
  const known = src.store.secrets(record.channelId);
  const secrets = new Map<string, Uint8Array>();
  for (const s of [record.latest, record.closable]) {
    for (const x of s.state.htlcs) {
      const hash = toHex(x.hash);
      const secret = known.get(hash) ?? src.ledger.issued(hash)?.secret;
      if (secret !== undefined) secrets.set(hash, typeof secret === 'string' ? fromHex(secret) : secret);
    }
  }
  return {
    meta: h.meta, peerUrl: peerUrls.get(h.meta.peer) ?? null, latest: record.latest, base: record.base, closable: record.closable,
    secrets: [...secrets.values()], landings: src.meta.landings(id),
  };
}


const peerUrlsOf = (meta: NodeMeta) => new Map(meta.peers().map((p) => [p.principal, p.url]));

export interface BackupWriterOptions extends BackupSource {
  /** the backup key (backup/seal.ts backupKey) */
  readonly key: Uint8Array;
  /** null: no backup file (on demand only writes where it is asked to) */
  readonly path: string | null;
  readonly intervalMs: number;
  readonly events: NodeEvents;
  readonly log: Logger;
}

export interface BackupReport {
  readonly path: string;
  readonly channels: number;
  readonly bytes: number;
  readonly at: number;
  /** each channel's nonce in it */
  readonly nonces: Readonly<Record<string, string>>;
}

export class BackupWriter implements ChannelHooks {
  private dirty = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private last: BackupReport | null = null;
  /** each channel's encoded text and what it was encoded from */
  private readonly texts = new Map<string, { key: string; text: string }>();

  constructor(private readonly o: BackupWriterOptions) {}

  onState(): void {
    this.changed();
  }

  onSecret(): void {
    this.changed();
  }

  /** The newest backup written (null: none yet since the node started). */
  get status(): BackupReport | null {
    return this.last;
  }

  /** Write the backup now, to `path` (default: the configured file); one write at a time. */
  writeNow(path: string | null = this.o.path): Promise<BackupReport> {
    if (path === null) return Promise.reject(new NodeError(NodeCode.BadRequest, 'this node writes no backup file (BITSTREAM_BACKUP_FILE): give a path'));
    const w = this.queue.then(() => {
      // a change from here on is in the next backup
      if (path === this.o.path) this.dirty = false;
      return this.write(path);
    });
    this.queue = w.catch(() => undefined);
    return w;
  }

  /** Write what changed since the last backup, and stop writing (the node is stopping). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.queue;
    if (this.dirty && this.o.path !== null) await this.writeNow().catch((e: unknown) => this.o.log.error({ err: e }, 'could not write the channel backup'));
  }

  /**
   * Every kept channel's backup text, re-encoded only for a channel whose states, secrets,
   * phase, landings or peer address changed since the last write: a hub's busy minute
   * touches a few of its channels, not all.
   */
  private channelTexts(): { texts: string[]; nonces: Record<string, string> } {
    const urls = peerUrlsOf(this.o.meta);
    const texts: string[] = [];
    const nonces: Record<string, string> = {};
    const kept = new Set<string>();
    for (const h of this.o.manager.all()) {
      const id = h.meta.id;
      const record = this.o.store.load(fromHex(id));
      if (record === null || h.meta.phase === 'closed') continue;
      const key = [h.meta.phase, toHex(record.latest.hash), toHex(record.closable.hash), record.base === null ? '' : toHex(record.base.hash),
        this.o.store.secrets(record.channelId).size, this.o.meta.landings(id).length, urls.get(h.meta.peer) ?? ''].join('|');
      let t = this.texts.get(id);
      if (t === undefined || t.key !== key) {
        const c = channelBackup(this.o, id, urls);
        if (c === null) continue;
        t = { key, text: channelJson(c) };
        this.texts.set(id, t);
      }
      kept.add(id);
      texts.push(t.text);
      nonces[id] = record.latest.state.nonce.toString();
    }
    for (const id of this.texts.keys()) if (!kept.has(id)) this.texts.delete(id);
    return { texts, nonces };
  }

  private changed(): void {
    this.dirty = true;
    if (this.o.path === null || this.timer !== null || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.dirty) return;
      this.writeNow().catch((e: unknown) => this.o.log.error({ err: e }, 'could not write the channel backup'));
    }, this.o.intervalMs);
    this.timer.unref();
  }

  private async write(path: string): Promise<BackupReport> {
    if (!isBackupOrAbsent(path)) throw new NodeError(NodeCode.BadRequest, `refusing to overwrite ${path}: it is not a BitStream backup`, { details: { path } });
    const { texts, nonces } = this.channelTexts();
    const createdAt = Date.now();
    const sealed = sealBackupTexts(this.o.key, { ...this.o.identity, createdAt }, texts);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.tmp`;
    const f = await open(tmp, 'w', 0o600);
    try {
      await f.writeFile(sealed);
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, path);
    const d = await open(dirname(path), 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
    const report: BackupReport = { path, channels: texts.length, bytes: sealed.length, at: createdAt, nonces };
    if (path === this.o.path) this.last = report;
    this.o.events.emit({ type: 'backup.written', path, channels: report.channels, bytes: report.bytes });
    return report;
  }
}

/** A backup is written only where there is none yet or an older backup: never over a store, a key or anything else. */
function isBackupOrAbsent(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === 'BSBK';
  } finally {
    closeSync(fd);
  }
}
