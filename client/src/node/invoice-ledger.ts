// What the node keeps about invoices, in its data directory (invoices.db; SQLite, WAL,
// synchronous=FULL, written synchronously): the invoices it issued, each with its secret,
// written before the invoice leaves the node, and whether it was paid; the invoices it
// paid or is paying, by payment hash, so that a hash is never paid twice; and, as a hub,
// the payments it forwards, written before the downstream HTLC is offered. A few rows
// per invoice, never per channel payment.
import type Database from 'better-sqlite3';
import { openDurable } from '../store/durable-db.js';

export type IssuedStatus = 'open' | 'paid';
export type OutgoingStatus = 'in-flight' | 'paid' | 'failed';
export type ForwardStatus = 'offered' | 'forwarding' | 'settled' | 'failed';

/** A payment this node forwards as a hub: in on one channel, out on another, one hash. */
export interface ForwardRecord {
  readonly hash: string;
  /** who asked for it: the upstream peer */
  readonly payer: string;
  readonly payee: string;
  /** what goes out to the payee, in: null: STX; else the SIP-010 contract */
  readonly token: string | null;
  readonly inChannel: string | null;
  readonly outChannel: string;
  /** what goes out to the payee */
  readonly amount: bigint;
  /** the hub's fee, in the incoming token (0 for a swap: its price is the rate) */
  readonly fee: bigint;
  /** the token the upstream HTLC comes in: `token`, or another for a swap (PROTOCOL §5) */
  readonly inToken: string | null;
  /** what the upstream HTLC must carry at least: amount + fee, or the swap's price */
  readonly inAmount: bigint;
  readonly outExpiry: bigint;
  readonly status: ForwardStatus;
  readonly reason: string | null;
  readonly at: number;
}

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
  channel_id TEXT NOT NULL, status TEXT NOT NULL, secret TEXT, reason TEXT, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS forwards (hash TEXT PRIMARY KEY, payer TEXT NOT NULL, payee TEXT NOT NULL, token TEXT, in_channel TEXT, out_channel TEXT NOT NULL,
  amount TEXT NOT NULL, fee TEXT NOT NULL, out_expiry TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, at INTEGER NOT NULL, in_token TEXT, in_amount TEXT);`;
/** columns added since the table first shipped, for invoices.db files written before them */
const ADDED = [['forwards', 'in_token', 'TEXT'], ['forwards', 'in_amount', 'TEXT']] as const;

interface IssuedRow { hash: string; secret: string; text: string; amount: string; token: string | null; expires_at: number; final_delta: number; memo: string; status: string; channel_id: string | null; paid_at: number | null }
interface OutgoingRow { hash: string; text: string; payee: string; amount: string; fee: string; channel_id: string; status: string; secret: string | null; reason: string | null; at: number }

interface ForwardRow {
  hash: string; payer: string; payee: string; token: string | null; in_channel: string | null; out_channel: string; amount: string; fee: string; out_expiry: string;
  status: string; reason: string | null; at: number; in_token: string | null; in_amount: string | null;
}

const toForward = (r: ForwardRow): ForwardRecord => ({
  hash: r.hash, payer: r.payer, payee: r.payee, token: r.token, inChannel: r.in_channel, outChannel: r.out_channel, amount: BigInt(r.amount), fee: BigInt(r.fee),
  outExpiry: BigInt(r.out_expiry), status: r.status as ForwardStatus, reason: r.reason, at: r.at,
  // rows from before swaps: same token in and out, amount + fee
  inToken: r.in_amount === null ? r.token : r.in_token, inAmount: r.in_amount === null ? BigInt(r.amount) + BigInt(r.fee) : BigInt(r.in_amount),
});
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
  /**
   * Payments in flight and forwards under way, by channel, kept beside the tables: every
   * channel state asks for its own, so that must not be a query (this process is the
   * tables' only writer, so the copy never goes stale).
   */
  private readonly flying = new Map<string, Map<string, OutgoingPayment>>();
  private readonly forwardingBy = new Map<string, Map<string, ForwardRecord>>();

  constructor(path: string) {
    this.db = openDurable(path, SCHEMA, ADDED);
    for (const p of this.inFlight()) this.index(this.flying, p.channelId, p.hash, p);
    for (const f of this.forwarding()) this.index(this.forwardingBy, f.outChannel, f.hash, f);
  }

  /** Payments of ours in flight on `channelId`. */
  inFlightOn(channelId: string): readonly OutgoingPayment[] {
    const m = this.flying.get(channelId);
    return m === undefined ? [] : [...m.values()];
  }

  /** Forwards under way whose downstream HTLC is on `channelId`. */
  forwardingOut(channelId: string): readonly ForwardRecord[] {
    const m = this.forwardingBy.get(channelId);
    return m === undefined ? [] : [...m.values()];
  }

  private index<T>(by: Map<string, Map<string, T>>, channelId: string, hash: string, v: T | null): void {
    for (const [k, m] of by) {
      if (m.delete(hash) && m.size === 0) by.delete(k);
    }
    if (v === null) return;
    const m = by.get(channelId) ?? new Map<string, T>();
    m.set(hash, v);
    by.set(channelId, m);
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

  /** A claim that did not go through: the invoice can be paid again. */
  reopenIssued(hash: string): void {
    this.db.prepare("UPDATE issued SET status = 'open', channel_id = NULL, paid_at = NULL WHERE hash = ?").run(hash);
  }

  /**
   * Record a payment of `hash` as in flight; false if the hash is already paid or being
   * paid (a failed one may be tried again). The check and the write are one statement.
   */
  beginOutgoing(p: Omit<OutgoingPayment, 'status' | 'secret' | 'reason'>): boolean {
    const r = this.db.prepare(`INSERT INTO outgoing VALUES (@hash, @text, @payee, @amount, @fee, @channelId, 'in-flight', NULL, NULL, @at)
      ON CONFLICT(hash) DO UPDATE SET channel_id = excluded.channel_id, fee = excluded.fee, status = 'in-flight', reason = NULL, at = excluded.at
      WHERE outgoing.status = 'failed'`).run({ ...p, amount: p.amount.toString(), fee: p.fee.toString() });
    if (r.changes === 1) this.index(this.flying, p.channelId, p.hash, this.outgoing(p.hash));
    return r.changes === 1;
  }

  settleOutgoing(hash: string, outcome: { status: 'paid'; secret: string } | { status: 'failed'; reason: string }): void {
    this.db.prepare("UPDATE outgoing SET status = ?, secret = ?, reason = ? WHERE hash = ? AND status = 'in-flight'")
      .run(outcome.status, outcome.status === 'paid' ? outcome.secret : null, outcome.status === 'failed' ? outcome.reason : null, hash);
    this.index(this.flying, '', hash, null);
  }

  outgoing(hash: string): OutgoingPayment | null {
    const r = this.db.prepare('SELECT * FROM outgoing WHERE hash = ?').get(hash) as OutgoingRow | undefined;
    return r === undefined ? null : toOutgoing(r);
  }

  inFlight(): OutgoingPayment[] {
    return (this.db.prepare("SELECT * FROM outgoing WHERE status = 'in-flight'").all() as OutgoingRow[]).map(toOutgoing);
  }

  /** A forward the upstream peer asked for; false if this hash is being forwarded, or offered to another peer. */
  offerForward(f: Omit<ForwardRecord, 'status' | 'reason' | 'inChannel'>): boolean {
    const r = this.db.prepare(`INSERT INTO forwards (hash, payer, payee, token, in_channel, out_channel, amount, fee, out_expiry, status, reason, at, in_token, in_amount)
      VALUES (@hash, @payer, @payee, @token, NULL, @outChannel, @amount, @fee, @outExpiry, 'offered', NULL, @at, @inToken, @inAmount)
      ON CONFLICT(hash) DO UPDATE SET payer = excluded.payer, payee = excluded.payee, token = excluded.token, out_channel = excluded.out_channel, amount = excluded.amount,
      fee = excluded.fee, out_expiry = excluded.out_expiry, status = 'offered', in_channel = NULL, reason = NULL, at = excluded.at,
      in_token = excluded.in_token, in_amount = excluded.in_amount
      WHERE forwards.status = 'failed' OR (forwards.status = 'offered' AND forwards.payer = excluded.payer)`)
      .run({ ...f, amount: f.amount.toString(), fee: f.fee.toString(), outExpiry: f.outExpiry.toString(), inAmount: f.inAmount.toString() });
    return r.changes === 1;
  }

  /** The upstream HTLC arrived on `inChannel`: the forward is under way (written before the downstream HTLC is offered). */
  startForward(hash: string, inChannel: string, outExpiry: bigint): void {
    this.db.prepare("UPDATE forwards SET status = 'forwarding', in_channel = ?, out_expiry = ? WHERE hash = ?").run(inChannel, outExpiry.toString(), hash);
    const f = this.forward(hash);
    if (f !== null) this.index(this.forwardingBy, f.outChannel, hash, f);
  }

  endForward(hash: string, status: 'settled' | 'failed', reason: string | null = null): void {
    this.db.prepare("UPDATE forwards SET status = ?, reason = ? WHERE hash = ? AND status IN ('offered', 'forwarding')").run(status, reason, hash);
    this.index(this.forwardingBy, '', hash, null);
  }

  forward(hash: string): ForwardRecord | null {
    const r = this.db.prepare('SELECT * FROM forwards WHERE hash = ?').get(hash) as ForwardRow | undefined;
    return r === undefined ? null : toForward(r);
  }

  /** The newest forwards first, and the fees the settled ones earned, by token ('stx' or the contract). */
  forwards(limit: number): { recent: ForwardRecord[]; settled: number; fees: Record<string, bigint> } {
    const recent = (this.db.prepare('SELECT * FROM forwards ORDER BY at DESC LIMIT ?').all(limit) as ForwardRow[]).map(toForward);
    // a fee is in the incoming token (a row from before swaps has none: it is the outgoing one)
    const rows = this.db.prepare("SELECT CASE WHEN in_amount IS NULL THEN token ELSE in_token END AS token, fee FROM forwards WHERE status = 'settled'").all() as { token: string | null; fee: string }[];
    const fees: Record<string, bigint> = {};
    for (const r of rows) fees[r.token ?? 'stx'] = (fees[r.token ?? 'stx'] ?? 0n) + BigInt(r.fee);
    return { recent, settled: rows.length, fees };
  }

  forwarding(): ForwardRecord[] {
    return (this.db.prepare("SELECT * FROM forwards WHERE status = 'forwarding'").all() as ForwardRow[]).map(toForward);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
