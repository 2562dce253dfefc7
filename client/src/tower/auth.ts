// How a tower knows who asks: every request carries the client's signature over what it
// asks, with its account key, in `Authorization: BitStream <key>.<unix seconds>.<nonce>.<sig>`:
// 65 bytes R‖S‖V (low S) over sha256("BitStream tower request" ‖ method ‖ 0 ‖ path ‖ 0 ‖
// u64 seconds ‖ 16-byte nonce ‖ sha256(body)). The nonce is fresh per request, so the
// same upload sent twice is two requests, and only a copy of one is a replay. The tower recovers the key, requires the one claimed,
// a time within the window and a signature it has not seen, and names the client by
// the key's principal on its chain. No accounts, no passwords: a participant of a channel
// proves it is one with the key the channel knows.
import { concatBytes } from '@noble/hashes/utils.js';
import { sha256 } from '../crypto/sha256.js';
import { equalBytes } from '../crypto/signature.js';
import { principalOf } from '../peer/handshake.js';
import { fromHex, toHex } from '../wire/json.js';
import { TowerCode, TowerError } from './errors.js';

const TAG = new TextEncoder().encode('BitStream tower request');
/** how far a request's time may be from the tower's clock, in seconds */
export const AUTH_WINDOW_SECONDS = 300;
const HEADER = /^BitStream ([0-9a-f]{66})\.([0-9]{1,12})\.([0-9a-f]{32})\.([0-9a-f]{130})$/;

/** What a client signs for a request. */
export function requestDigest(method: string, path: string, seconds: number, nonce: Uint8Array, body: Uint8Array): Uint8Array {
  const enc = new TextEncoder();
  const m = enc.encode(method.toUpperCase());
  const p = enc.encode(path);
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt(seconds));
  return sha256(concatBytes(TAG, m, Uint8Array.of(0), p, Uint8Array.of(0), ts, nonce, sha256(body)));
}

/** The Authorization header value for a request, signed with `sign` by the key `publicKey`. */
export async function authorization(o: {
  method: string; path: string; body: Uint8Array; publicKey: Uint8Array; seconds: number; sign: (hash: Uint8Array) => Uint8Array | Promise<Uint8Array>;
  /** 16 bytes, fresh per request (default: random) */
  nonce?: Uint8Array;
}): Promise<string> {
  const nonce = o.nonce ?? crypto.getRandomValues(new Uint8Array(16));
  const sig = await o.sign(requestDigest(o.method, o.path, o.seconds, nonce, o.body));
  return `BitStream ${toHex(o.publicKey)}.${o.seconds}.${toHex(nonce)}.${toHex(sig)}`;
}

/** Checks request signatures: each is good once, within the time window. */
export class RequestAuth {
  /** signatures seen, with the time after which they could no longer be replayed anyway */
  private readonly seen = new Map<string, number>();

  constructor(private readonly o: { chainId: number; recover: (hash: Uint8Array, sig: Uint8Array) => Uint8Array; now?: () => number }) {}

  /** The principal that signed this request, or TOWER_UNAUTHENTICATED. */
  check(header: string | undefined, method: string, path: string, body: Uint8Array): string {
    const m = HEADER.exec(header ?? '');
    if (m === null) throw new TowerError(TowerCode.Unauthenticated, 'sign the request: Authorization: BitStream <public key>.<unix seconds>.<nonce>.<signature>');
    const [, keyHex, tsText, nonceHex, sigHex] = m;
    const now = (this.o.now ?? (() => Math.floor(Date.now() / 1000)))();
    const seconds = Number(tsText);
    if (Math.abs(now - seconds) > AUTH_WINDOW_SECONDS) throw new TowerError(TowerCode.Unauthenticated, `the request's time is more than ${AUTH_WINDOW_SECONDS} s from the tower's clock`);
    let signer: Uint8Array | null = null;
    try {
      signer = this.o.recover(requestDigest(method, path, seconds, fromHex(nonceHex!), body), fromHex(sigHex!));
    } catch {
      signer = null;
    }
    if (signer === null || !equalBytes(signer, fromHex(keyHex!))) throw new TowerError(TowerCode.Unauthenticated, 'the signature is not by the key named, over this request');
    this.forget(now);
    if (this.seen.has(sigHex!)) throw new TowerError(TowerCode.Unauthenticated, 'this request was sent before (replayed)');
    this.seen.set(sigHex!, seconds + AUTH_WINDOW_SECONDS);
    return principalOf(signer, this.o.chainId);
  }

  private forget(now: number): void {
    if (this.seen.size < 10_000) return;
    for (const [k, until] of this.seen) if (until < now) this.seen.delete(k);
  }
}
