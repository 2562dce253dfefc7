// What a paying state's `data` commits to (PROTOCOL §3): the request it pays for. The
// server rebuilds the binding from the request it is serving, so a state made for one
// route, method, price or payment id pays for nothing else.
import { sha256 } from '../crypto/sha256.js';

export interface RequestBinding {
  /** the HTTP method, upper case */
  readonly method: string;
  /** the path and query as the server sees them (requestPath) */
  readonly path: string;
  /** the price, in the token's smallest unit */
  readonly amount: bigint;
  /** the x402 asset: STX or the SIP-010 contract */
  readonly asset: string;
  /** the client's id for this payment (idempotent retries keep it) */
  readonly paymentId: string;
}

const TAG = new TextEncoder().encode('bitstream/x402/v1');

/** The 32 bytes a state paying for `b` carries: sha256 of a tag and each field, length-prefixed. */
export function bindingData(b: RequestBinding): Uint8Array {
  const fields = [b.method.toUpperCase(), b.path, b.amount.toString(10), b.asset, b.paymentId].map((f) => new TextEncoder().encode(f));
  const out = new Uint8Array(TAG.length + fields.reduce((n, f) => n + 4 + f.length, 0));
  out.set(TAG, 0);
  let at = TAG.length;
  const view = new DataView(out.buffer);
  for (const f of fields) {
    view.setUint32(at, f.length);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return sha256(out);
}

/** The path and query of a URL: what both sides bind (hosts differ behind proxies). */
export function requestPath(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
