// One process owns a store file: two processes signing for one channel could each sign
// a different state at one nonce, which the counterparty can turn into a penalty.
// Ownership is an exclusive SQLite lock on a side file (`<store>.lock`) held for as long
// as the store is open: the operating system drops it when the process ends, however it
// ends (kill -9 included), so a crashed node restarts at once, and a second process (or
// a second store object on the same file in this process) gets STORE_LOCKED naming the
// owner's pid. Nothing is ever written to the lock file; the pid note beside it is only
// for that message.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreCode, StoreError } from './types.js';

export class StoreOwnership {
  private constructor(private readonly db: Database.Database, private readonly notePath: string) {}

  /** Take ownership of the store at `path`, or throw StoreError STORE_LOCKED. */
  static claim(path: string): StoreOwnership {
    const lockPath = `${path}.lock`;
    const notePath = `${lockPath}.pid`;
    const db = new Database(lockPath, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (cause) {
      db.close();
      const owner = readNote(notePath);
      throw new StoreError(StoreCode.Locked, `the store ${path} is in use by another process${owner === null ? '' : ` (pid ${owner.pid}, since ${owner.since})`}; stop it first — two processes must never sign for one channel`, {
        details: { path, ...(owner === null ? {} : { pid: owner.pid }) },
        cause,
      });
    }
    writeFileSync(notePath, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
    return new StoreOwnership(db, notePath);
  }

  release(): void {
    if (!this.db.open) return;
    rmSync(this.notePath, { force: true });
    this.db.close();
  }
}

function readNote(path: string): { pid: number; since: string } | null {
  try {
    const n = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; since?: unknown };
    return typeof n.pid === 'number' && typeof n.since === 'string' ? { pid: n.pid, since: n.since } : null;
  } catch {
    return null;
  }
}
