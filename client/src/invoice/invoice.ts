// A BitStream invoice (payment request, PROTOCOL §10): what the payee asks for and how
// to reach it, signed by the payee's key, as one bech32m string (prefix "bitstream")
// that pastes as text and fits a QR code (upper case uses its alphanumeric mode).
// This file is the layout and its checks; sign.ts makes and verifies the signature.
// The same checks run when an invoice is made and when one is read, so nothing this
// client writes can be refused by another, and nothing out of range is ever read.
import { bech32m } from '@scure/base';
import { parsePrincipal } from '../codec/principal.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { InvoiceCode, InvoiceError } from './errors.js';

export const INVOICE_PREFIX = 'bitstream';
export const INVOICE_VERSION = 1;
/** the longest invoice string accepted (a generous QR code holds about 4,000 characters) */
export const MAX_INVOICE_CHARS = 2_000;
export const MAX_HINTS = 3;
export const MAX_MEMO_BYTES = 200;
export const MAX_URL_CHARS = 200;
/** the longest expiry an invoice may ask for: 30 days */
export const MAX_EXPIRY_SECONDS = 30 * 24 * 3600;
export const MIN_EXPIRY_SECONDS = 60;
/** tenures: the most an expiry delta (the payee's or a hub's) may ask for */
export const MAX_EXPIRY_DELTA = 1_000;
const SIGNATURE_BYTES = 65;
const URL = /^wss?:\/\/[^\s]+$/;

/** A hub the payee has a channel with, through which it can be paid (one intermediary). */
export interface RouteHint {
  /** the hub node's compressed public key (its principal follows from it and the chain) */
  readonly hubKey: Uint8Array;
  /** where the hub's peers dial it */
  readonly hubUrl: string;
  /** the hub's fee for forwarding to the payee: base + amount × ppm / 1,000,000 */
  readonly feeBase: bigint;
  readonly feePpm: number;
  /** tenures the hub takes off the expiry of the HTLC it forwards */
  readonly expiryDelta: number;
}

/** What the payee fills in. */
export interface InvoiceFields {
  readonly chainId: number;
  /** sha256 of the secret only the payee knows until it is paid */
  readonly paymentHash: Uint8Array;
  /** in the token's smallest unit */
  readonly amount: bigint;
  /** null: STX; else the SIP-010 contract principal */
  readonly token: string | null;
  /** unix seconds */
  readonly createdAt: number;
  readonly expirySeconds: number;
  readonly payeeKey: Uint8Array;
  /** where the payee's node takes peers (null: only through a hint) */
  readonly payeeUrl: string | null;
  readonly memo: string;
  /** tenures the payee needs between now and its incoming HTLC's expiry, beyond the channel's dispute window */
  readonly finalExpiryDelta: number;
  readonly hints: readonly RouteHint[];
}

function fail(message: string, details?: Record<string, unknown>): never {
  throw new InvoiceError(InvoiceCode.Malformed, message, details === undefined ? {} : { details });
}

const isKey = (k: unknown): k is Uint8Array => k instanceof Uint8Array && k.length === 33 && (k[0] === 2 || k[0] === 3);
const intIn = (n: unknown, lo: number, hi: number): boolean => typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi;

/** Every field in range, or INVOICE_MALFORMED naming the first that is not. */
export function checkFields(f: InvoiceFields): void {
  if (!intIn(f.chainId, 0, 0xffffffff)) fail('chain id is not a 32-bit unsigned integer');
  if (!(f.paymentHash instanceof Uint8Array) || f.paymentHash.length !== 32) fail('payment hash must be 32 bytes');
  if (typeof f.amount !== 'bigint' || f.amount <= 0n || f.amount >= 1n << 128n) fail('amount must be a positive 128-bit integer');
  if (f.token !== null && (typeof f.token !== 'string' || parsePrincipal(f.token)?.contractName == null)) fail('token must be null (STX) or a contract principal', { token: f.token });
  if (!intIn(f.createdAt, 1, Number.MAX_SAFE_INTEGER)) fail('created-at must be unix seconds');
  if (!intIn(f.expirySeconds, MIN_EXPIRY_SECONDS, MAX_EXPIRY_SECONDS)) fail(`expiry must be ${MIN_EXPIRY_SECONDS}–${MAX_EXPIRY_SECONDS} seconds`);
  if (!isKey(f.payeeKey)) fail('payee key must be a 33-byte compressed public key');
  if (f.payeeUrl !== null && (typeof f.payeeUrl !== 'string' || f.payeeUrl.length > MAX_URL_CHARS || !URL.test(f.payeeUrl))) fail('payee URL must be a ws:// or wss:// URL');
  if (typeof f.memo !== 'string' || new TextEncoder().encode(f.memo).length > MAX_MEMO_BYTES) fail(`memo must be at most ${MAX_MEMO_BYTES} bytes`);
  if (!intIn(f.finalExpiryDelta, 1, MAX_EXPIRY_DELTA)) fail(`final expiry delta must be 1–${MAX_EXPIRY_DELTA} tenures`);
  if (!Array.isArray(f.hints) || f.hints.length > MAX_HINTS) fail(`at most ${MAX_HINTS} route hints`);
  if (f.payeeUrl === null && f.hints.length === 0) fail('an invoice needs the payee URL or a route hint: else nobody can reach the payee');
  for (const h of f.hints) {
    if (!isKey(h.hubKey)) fail('route hint: hub key must be a 33-byte compressed public key');
    if (typeof h.hubUrl !== 'string' || h.hubUrl.length > MAX_URL_CHARS || !URL.test(h.hubUrl)) fail('route hint: hub URL must be a ws:// or wss:// URL');
    if (typeof h.feeBase !== 'bigint' || h.feeBase < 0n || h.feeBase >= 1n << 64n) fail('route hint: base fee must be a 64-bit unsigned integer');
    if (!intIn(h.feePpm, 0, 1_000_000)) fail('route hint: fee rate must be 0–1,000,000 ppm');
    if (!intIn(h.expiryDelta, 1, MAX_EXPIRY_DELTA)) fail(`route hint: expiry delta must be 1–${MAX_EXPIRY_DELTA} tenures`);
  }
}

/** The bytes the payee signs: version, then every field in order (PROTOCOL §10). */
export function encodeBody(f: InvoiceFields): Uint8Array {
  checkFields(f);
  const w = new ByteWriter()
    .uint(INVOICE_VERSION, 1).uint(f.chainId, 4).raw(f.paymentHash).uint(f.amount, 16)
    .text(f.token ?? '', 'token').uint(f.createdAt, 8).uint(f.expirySeconds, 4).raw(f.payeeKey)
    .text(f.payeeUrl ?? '', 'payee URL').text(f.memo, 'memo').uint(f.finalExpiryDelta, 2).uint(f.hints.length, 1);
  for (const h of f.hints) w.raw(h.hubKey).text(h.hubUrl, 'hub URL').uint(h.feeBase, 8).uint(h.feePpm, 4).uint(h.expiryDelta, 2);
  return w.bytes();
}

function readBody(r: ByteReader): InvoiceFields {
  const version = Number(r.uint(1, 'version'));
  if (version !== INVOICE_VERSION) throw new InvoiceError(InvoiceCode.Version, `invoice version ${version}; this client reads version ${INVOICE_VERSION}`, { details: { version } });
  const chainId = Number(r.uint(4, 'chain id'));
  const paymentHash = r.raw(32, 'payment hash');
  const amount = r.uint(16, 'amount');
  const token = r.text('token');
  const createdAt = Number(r.uint(8, 'created-at'));
  const expirySeconds = Number(r.uint(4, 'expiry'));
  const payeeKey = r.raw(33, 'payee key');
  const payeeUrl = r.text('payee URL');
  const memo = r.text('memo');
  const finalExpiryDelta = Number(r.uint(2, 'final expiry delta'));
  const count = Number(r.uint(1, 'hint count'));
  if (count > MAX_HINTS) fail(`at most ${MAX_HINTS} route hints`);
  const hints: RouteHint[] = [];
  for (let i = 0; i < count; i++) {
    hints.push({ hubKey: r.raw(33, 'hub key'), hubUrl: r.text('hub URL'), feeBase: r.uint(8, 'base fee'), feePpm: Number(r.uint(4, 'fee rate')), expiryDelta: Number(r.uint(2, 'expiry delta')) });
  }
  const f: InvoiceFields = { chainId, paymentHash, amount, token: token === '' ? null : token, createdAt, expirySeconds, payeeKey, payeeUrl: payeeUrl === '' ? null : payeeUrl, memo, finalExpiryDelta, hints };
  checkFields(f);
  return f;
}

/** The string of a signed body. */
export function invoiceText(body: Uint8Array, signature: Uint8Array): string {
  if (signature.length !== SIGNATURE_BYTES) fail('signature must be 65 bytes');
  const all = new Uint8Array(body.length + SIGNATURE_BYTES);
  all.set(body);
  all.set(signature, body.length);
  return bech32m.encode(INVOICE_PREFIX, bech32m.toWords(all), false);
}

/** The fields, the signed body and the signature of an invoice string (not yet verified: sign.ts). */
export function splitInvoice(text: string): { fields: InvoiceFields; body: Uint8Array; signature: Uint8Array } {
  if (typeof text !== 'string' || text.length > MAX_INVOICE_CHARS) fail(`an invoice is a string of at most ${MAX_INVOICE_CHARS} characters`);
  let bytes: Uint8Array;
  try {
    const d = bech32m.decode(text.trim() as `${string}1${string}`, false);
    if (d.prefix !== INVOICE_PREFIX) fail(`not a BitStream invoice (prefix ${d.prefix}, expected ${INVOICE_PREFIX})`);
    bytes = bech32m.fromWords(d.words);
  } catch (cause) {
    if (cause instanceof InvoiceError) throw cause;
    throw new InvoiceError(InvoiceCode.Malformed, `not a BitStream invoice: ${(cause as Error).message}`, { cause });
  }
  if (bytes.length <= SIGNATURE_BYTES) fail('invoice too short');
  const body = bytes.slice(0, bytes.length - SIGNATURE_BYTES);
  const r = new ByteReader(body);
  const fields = readBody(r);
  if (!r.done) fail('bytes after the last field');
  return { fields, body, signature: bytes.slice(bytes.length - SIGNATURE_BYTES) };
}
