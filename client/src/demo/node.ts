// One party's client as the demo runs it: its durable SQLite store (one file for all its
// channels, WAL and fsync, as PROTOCOL §4 asks), its key signer, its secret book and its
// counters (states signed, off-chain payments sent and received). The channels
// themselves are links (link.ts). No chain I/O here.
import { join } from 'node:path';
import type { CryptoBackend } from '../crypto/backend.js';
import { LocalKeySigner } from '../signers/local.js';
import { SqliteStore } from '../store/sqlite.js';
import { storeStates, type SignedStateSource } from '../watchtower/sources.js';
import type { Party } from './accounts.js';
import { SecretBook } from './secrets.js';

export interface Counters {
  /** this party's signatures on off-chain states */
  signatures: number;
  /** off-chain payments (plain or HTLC) it made and received */
  paymentsSent: number;
  paymentsReceived: number;
}

export class PartyNode {
  readonly store: SqliteStore;
  readonly signer: LocalKeySigner;
  readonly publicKey: Uint8Array;
  readonly secrets = new SecretBook();
  readonly counters: Counters = { signatures: 0, paymentsSent: 0, paymentsReceived: 0 };

  constructor(
    readonly party: Party,
    readonly backend: CryptoBackend,
    dir: string,
  ) {
    this.store = new SqliteStore(join(dir, `${party.name}.db`));
    this.signer = new LocalKeySigner(party.privateKey, { backend });
    this.publicKey = backend.publicKeyOf(party.privateKey);
  }

  /** The store as a watchtower reads it (the opening state, which has no signatures, is nothing a watchtower can use). */
  statesSource(): SignedStateSource {
    return storeStates(this.store);
  }

  close(): void {
    this.store.close();
  }
}
