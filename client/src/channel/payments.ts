// Payment identity (PROTOCOL §8): each payment has an id, an outcome reported once and
// never changed, and a status anyone can ask. This file owns the in-memory registry and
// its rules; the channel decides outcomes, the store makes the ones with a caller's id
// durable (a caller who retries with its id after a crash must not pay twice). No I/O.
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';
import type { PaymentRecord } from '../store/types.js';
import { ChannelCode, UsageError } from './errors.js';

export type PaymentStatusKind = 'queued' | 'in-flight' | 'completed' | 'failed';

/** What is known of a payment now. */
export interface PaymentStatus {
  readonly id: string;
  readonly amount: bigint;
  readonly status: PaymentStatusKind;
  /** the nonce of the state that carries (or carried) it, once proposed */
  readonly nonce?: bigint;
  /** the error code it failed with */
  readonly reason?: string;
}

/** A completed payment: the state that carries it. */
export interface PaymentReceipt {
  readonly id: string;
  readonly amount: bigint;
  readonly nonce: bigint;
  /** the SIP-018 hash of the state carrying it */
  readonly hash: Uint8Array;
}

export interface PayOptions {
  /**
   * An idempotency key (1–128 of A–Z a–z 0–9 . _ : -): paying again with it returns the
   * first payment's outcome and never pays twice, across restarts too.
   */
  readonly id?: string;
  /** stop waiting after this many milliseconds (see PaymentPendingError) */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** 32 bytes of application data the paying state commits to (PROTOCOL §3); such a payment is not batched */
  readonly data?: Uint8Array;
}

/** The payment failed; it moved nothing and never will. */
export class PaymentFailedError extends BitStreamError {
  constructor(code: string, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}

/**
 * The caller stopped waiting (timeout or abort) after the payment was proposed: the peer
 * may already hold it, so it is neither failed nor completed yet. Ask `paymentStatus(id)`
 * or pay again with the same id to wait for its outcome.
 */
export class PaymentPendingError extends BitStreamError {
  constructor(message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(ChannelCode.PaymentPending, message, opts);
  }
}

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function checkPaymentId(id: string): void {
  if (typeof id !== 'string' || !ID.test(id)) {
    throw new UsageError(ChannelCode.BadPaymentId, 'a payment id is 1-128 characters of A-Z a-z 0-9 . _ : -', { details: { id: String(id) } });
  }
}

/** Ids for payments the caller did not name: a random prefix per process, then a counter. */
const ID_PREFIX = (() => {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return 'p-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('') + '-';
})();
let idCounter = 0;

/** A fresh id for a payment the caller did not name (never durable: unique in this process). */
export function newPaymentId(): string {
  return ID_PREFIX + (idCounter++).toString(36);
}

export interface Waiter {
  resolve(r: PaymentReceipt): void;
  reject(e: unknown): void;
}

/** One payment this process knows of. */
export class PaymentEntry {
  status: PaymentStatusKind = 'queued';
  nonce?: bigint;
  hash?: Uint8Array;
  reason?: string;
  private outcome: { receipt: PaymentReceipt } | { error: unknown } | null = null;
  private readonly waiters: Waiter[] = [];
  /** called once, when the outcome is decided (the channel's bookkeeping) */
  onSettled: ((e: PaymentEntry) => void) | null = null;

  constructor(
    readonly id: string,
    readonly channelId: Uint8Array,
    readonly amount: bigint,
    /** the caller named it: its outcome is durable */
    readonly durable: boolean,
    readonly data: Uint8Array | undefined,
  ) {}

  get settled(): boolean {
    return this.outcome !== null;
  }

  view(): PaymentStatus {
    return {
      id: this.id,
      amount: this.amount,
      status: this.status,
      ...(this.nonce === undefined ? {} : { nonce: this.nonce }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
    };
  }

  /** The record the store keeps for it in its current status. */
  record(): PaymentRecord {
    return {
      id: this.id,
      channelId: this.channelId,
      amount: this.amount,
      status: this.status === 'queued' ? 'in-flight' : this.status,
      nonce: this.nonce ?? 0n,
      hash: this.hash ?? new Uint8Array(32),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
    };
  }

  /** The record of its completion, stored in the commit of the state that carries it. */
  completedRecord(): PaymentRecord {
    return { ...this.record(), status: 'completed' };
  }

  /** The record of its failure with `reason`, stored before the failure is reported. */
  failedRecord(reason: string): PaymentRecord {
    return { ...this.record(), status: 'failed', reason };
  }

  wait(w: Waiter): void {
    if (this.outcome === null) this.waiters.push(w);
    else if ('receipt' in this.outcome) w.resolve(this.outcome.receipt);
    else w.reject(this.outcome.error);
  }

  /** Tell every waiter it stops waiting, with the outcome still open. */
  release(error: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  /** Drop a waiter that stopped waiting (its own timeout or abort). */
  forget(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  complete(nonce: bigint, hash: Uint8Array): void {
    if (this.outcome !== null) return;
    this.status = 'completed';
    this.nonce = nonce;
    this.hash = hash;
    const receipt: PaymentReceipt = { id: this.id, amount: this.amount, nonce, hash };
    this.outcome = { receipt };
    this.onSettled?.(this);
    for (const w of this.waiters.splice(0)) w.resolve(receipt);
  }

  fail(error: unknown): void {
    if (this.outcome !== null) return;
    this.status = 'failed';
    this.reason = error instanceof BitStreamError ? error.code : 'FAILED';
    this.outcome = { error };
    this.onSettled?.(this);
    for (const w of this.waiters.splice(0)) w.reject(error);
  }
}

/** The entry of a payment known only from the store (an earlier process). */
export function entryFromRecord(r: PaymentRecord): PaymentEntry {
  const e = new PaymentEntry(r.id, r.channelId, r.amount, true, undefined);
  e.nonce = r.nonce;
  e.hash = r.hash;
  if (r.status === 'completed') e.complete(r.nonce, r.hash);
  else if (r.status === 'failed') e.fail(new PaymentFailedError(r.reason ?? ChannelCode.PaymentFailed, 'the payment failed', { details: { id: r.id } }));
  else e.status = 'in-flight';
  return e;
}
