// What the node keeps about invoices, in its data directory (invoices.db; SQLite, WAL,
// synchronous=FULL, written synchronously): the invoices it issued, each with its secret,
// written before the invoice leaves the node, and whether it was paid; and the invoices
// it paid or is paying, by payment hash, so that a hash is never paid twice. A few rows
// per invoice, never per channel payment.
import Database from 'better-sqlite3';

export type IssuedStatus = 'open' | 'paid';
export type OutgoingStatus = 'in-flight' | 'paid' | 'failed';

export interface IssuedInvoice {
  readonly hash: string;
  readonly secret: string;
  readonly text: string;
  readonly amount: bigint;
  readonly token: string | null;
  readonly expiresAt: number;
  readonly finalExpiryDelta: number;
  readonly memo: string;
  readonly status: IssuedStatus;
  /** the channel it was paid on, once paid */
  readonly channelId: string | null;
  readonly paidAt: number | null;
}

export interface OutgoingPayment {
  readonly hash: string;
  readonly text: string;
  readonly payee: string;
  readonly amount: bigint;
  /** what the hub charged on top (0 when paid directly) */
  readonly fee: bigint;
  readonly channelId: string;
  readonly status: OutgoingStatus;
  /** the payee's secret: the proof of payment */
  readonly secret: string | null;
  readonly reason: string | null;
  readonly at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS issued (hash TEXT PRIMARY KEY, secret TEXT NOT NULL, text TEXT NOT NULL, amount TEXT NOT NULL, token TEXT,
  expires_at INTEGER NOT NULL, final_delta INTEGER NOT NULL, memo TEXT NOT NULL, status TEXT NOT NULL, channel_id TEXT, paid_at INTEGER);
CREATE TABLE IF NOT EXISTS outgoing (hash TEXT PRIMARY KEY, text TEXT NOT NULL, payee TEXT NOT NULL, amount TEXT NOT NULL, fee TEXT NOT NULL,
  channel_id TEXT NOT NULL, status TEXT NOT NULL, secret TEXT, reason TEXT, at INTEGER NOT NULL);`;

interface IssuedRow { hash: string; secret: string; text: string; amount: string; token: string | null; expires_at: number; final_delta: number; memo: string; status: string; channel_id: string | null; paid_at: number | null }
interface OutgoingRow { hash: string; text: string; payee: string; amount: string; fee: string; channel_id: string; status: string; secret: string | null; reason: string | null; at: number }

const toIssued = (r: IssuedRow): IssuedInvoice => ({
  hash: r.hash, secret: r.secret, text: r.text, amount: BigInt(r.amount), token: r.token, expiresAt: r.expires_at, finalExpiryDelta: r.final_delta,
  memo: r.memo, status: r.status === 'paid' ? 'paid' : 'open', channelId: r.channel_id, paidAt: r.paid_at,
});
const toOutgoing = (r: OutgoingRow): OutgoingPayment => ({
  hash: r.hash, text: r.text, payee: r.payee, amount: BigInt(r.amount), fee: BigInt(r.fee), channelId: r.channel_id,
  status: r.status as OutgoingStatus, secret: r.secret, reason: r.reason, at: r.at,
});

export class InvoiceLedger {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
  }

  issue(i: Omit<IssuedInvoice, 'status' | 'channelId' | 'paidAt'>): void {
    this.db.prepare(`INSERT INTO issued VALUES (@hash, @secret, @text, @amount, @token, @expiresAt, @finalExpiryDelta, @memo, 'open', NULL, NULL)`)
      .run({ ...i, amount: i.amount.toString() });
  }

  issued(hash: string): IssuedInvoice | null {
    const r = this.db.prepare('SELECT * FROM issued WHERE hash = ?').get(hash) as IssuedRow | undefined;
    return r === undefined ? null : toIssued(r);
  }

  markIssuedPaid(hash: string, channelId: string, at: number): void {
    this.db.prepare("UPDATE issued SET status = 'paid', channel_id = ?, paid_at = ? WHERE hash = ?").run(channelId, at, hash);
  }

  /**
   * Record a payment of `hash` as in flight; false if the hash is already paid or being
   * paid (a failed one may be tried again). The check and the write are one statement.
   */
  beginOutgoing(p: Omit<OutgoingPayment, 'status' | 'secret' | 'reason'>): boolean {
    const r = this.db.prepare(`INSERT INTO outgoing VALUES (@hash, @text, @payee, @amount, @fee, @channelId, 'in-flight', NULL, NULL, @at)
      ON CONFLICT(hash) DO UPDATE SET channel_id = excluded.channel_id, fee = excluded.fee, status = 'in-flight', reason = NULL, at = excluded.at
      WHERE outgoing.status = 'failed'`).run({ ...p, amount: p.amount.toString(), fee: p.fee.toString() });
    return r.changes === 1;
  }

  settleOutgoing(hash: string, outcome: { status: 'paid'; secret: string } | { status: 'failed'; reason: string }): void {
    this.db.prepare("UPDATE outgoing SET status = ?, secret = ?, reason = ? WHERE hash = ? AND status = 'in-flight'")
      .run(outcome.status, outcome.status === 'paid' ? outcome.secret : null, outcome.status === 'failed' ? outcome.reason : null, hash);
  }

  outgoing(hash: string): OutgoingPayment | null {
    const r = this.db.prepare('SELECT * FROM outgoing WHERE hash = ?').get(hash) as OutgoingRow | undefined;
    return r === undefined ? null : toOutgoing(r);
  }

  inFlight(): OutgoingPayment[] {
    return (this.db.prepare("SELECT * FROM outgoing WHERE status = 'in-flight'").all() as OutgoingRow[]).map(toOutgoing);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
