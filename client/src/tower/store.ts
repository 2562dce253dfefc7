// What a tower keeps: for each client and channel, the newest closable state it was
// given with both signatures (SQLite, WAL, synchronous=FULL: an upload is answered only
// once it is durable). Nothing else: no keys, no secrets — a state signed by both
// sides can only ever be used to close at that state, which is what its owner wants.
// As a watchtower's SignedStateSource it answers with the newest state any client gave.
import type Database from 'better-sqlite3';
import { openDurable } from '../store/durable-db.js';
import type { SignedState } from '../chain/signed.js';
import type { SignedStateSource } from '../watchtower/sources.js';
import { fromHex, stateToJson, toHex } from '../wire/json.js';
import { signatureSchema, stateSchema } from '../wire/schemas.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS states (channel_id TEXT NOT NULL, owner TEXT NOT NULL, nonce TEXT NOT NULL, state TEXT NOT NULL,
  sig_a TEXT NOT NULL, sig_b TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (channel_id, owner));
CREATE INDEX IF NOT EXISTS states_owner ON states (owner);`;

interface Row { channel_id: string; owner: string; nonce: string; state: string; sig_a: string; sig_b: string; at: number }

export interface HeldState {
  readonly owner: string;
  readonly signed: SignedState;
  readonly at: number;
}

/** a u128 nonce as text that sorts as the number does */
const sortable = (n: bigint) => n.toString().padStart(39, '0');

const toHeld = (r: Row): HeldState => ({
  owner: r.owner,
  signed: { state: stateSchema.parse(JSON.parse(r.state)), sigA: signatureSchema.parse(r.sig_a), sigB: signatureSchema.parse(r.sig_b) },
  at: r.at,
});

export class TowerStore implements SignedStateSource {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openDurable(path, SCHEMA);
  }

  /** Keep `signed` as `owner`'s state of its channel (the caller checked it is newer). */
  put(owner: string, signed: SignedState, at: number): void {
    this.db.prepare(`INSERT INTO states VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(channel_id, owner) DO UPDATE SET nonce = excluded.nonce, state = excluded.state, sig_a = excluded.sig_a, sig_b = excluded.sig_b, at = excluded.at`)
      .run(toHex(signed.state.channelId), owner, sortable(signed.state.nonce), JSON.stringify(stateToJson(signed.state)), toHex(signed.sigA), toHex(signed.sigB), at);
  }

  held(channelId: Uint8Array, owner: string): HeldState | null {
    const r = this.db.prepare('SELECT * FROM states WHERE channel_id = ? AND owner = ?').get(toHex(channelId), owner) as Row | undefined;
    return r === undefined ? null : toHeld(r);
  }

  /** How many channels `owner` has the tower watch. */
  channelsOf(owner: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM states WHERE owner = ?').get(owner) as { n: number }).n;
  }

  /** Every channel some client gave a state of (what the tower watches). */
  channelIds(): Uint8Array[] {
    return (this.db.prepare('SELECT DISTINCT channel_id FROM states').all() as { channel_id: string }[]).map((r) => fromHex(r.channel_id));
  }

  latest(channelId: Uint8Array): SignedState | null {
    const r = this.db.prepare('SELECT * FROM states WHERE channel_id = ? ORDER BY nonce DESC LIMIT 1').get(toHex(channelId)) as Row | undefined;
    return r === undefined ? null : toHeld(r).signed;
  }

  /** Only closable states are ever kept, so the newest is the closable one. */
  latestClosable(channelId: Uint8Array): SignedState | null {
    return this.latest(channelId);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
