// A tower's client, for a node or an app: uploads a channel's newest closable state to
// one tower and reads back what it holds, signing every request with the account key
// (auth.ts). A client may use several towers: one TowerClient each.
import type { SignedState } from '../chain/signed.js';
import { stateToJson, toHex } from '../wire/json.js';
import { authorization } from './auth.js';
import { TowerError, type TowerCode } from './errors.js';

export interface TowerClientOptions {
  /** the tower's base URL, e.g. https://tower.example */
  readonly url: string;
  readonly publicKey: Uint8Array;
  readonly sign: (hash: Uint8Array) => Uint8Array | Promise<Uint8Array>;
  readonly now?: () => number;
}

export class TowerClient {
  constructor(private readonly o: TowerClientOptions) {}

  /** Give the tower this closable state; resolves with what it keeps, or rejects with its TowerError. */
  upload(signed: SignedState): Promise<{ channelId: string; nonce: string; stored: string }> {
    return this.call('POST', '/v1/states', JSON.stringify({ state: stateToJson(signed.state), sigA: toHex(signed.sigA), sigB: toHex(signed.sigB) }));
  }

  held(channelId: Uint8Array): Promise<{ channelId: string; nonce: string; at: number }> {
    return this.call('GET', `/v1/states/${toHex(channelId)}`, '');
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body: string): Promise<T> {
    const bytes = new TextEncoder().encode(body);
    const seconds = Math.floor((this.o.now ?? Date.now)() / 1000);
    const auth = await authorization({ method, path, body: bytes, publicKey: this.o.publicKey, seconds, sign: this.o.sign });
    const res = await fetch(`${this.o.url.replace(/\/+$/, '')}${path}`, {
      method, headers: { authorization: auth, ...(body === '' ? {} : { 'content-type': 'application/json' }) }, ...(body === '' ? {} : { body }),
    });
    const answer = (await res.json()) as T & { error?: { code: TowerCode; message: string } };
    if (answer.error !== undefined) throw new TowerError(answer.error.code, `tower ${this.o.url}: ${answer.error.message}`);
    return answer;
  }
}
