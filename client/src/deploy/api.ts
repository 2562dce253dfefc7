// The deploy tool's network layer: the few Stacks node (/v2) and Stacks API (/extended)
// endpoints it uses, behind an interface so tests and other callers can inject their own
// (the tests run it against a fake node on 127.0.0.1). `httpApi` is the real one over
// fetch: every answer is validated with zod, every request has a timeout, and every
// failure is a DeployError (DEPLOY_HTTP, or DEPLOY_REJECTED for a refused transaction)
// with the lower error kept as `cause`. It decides nothing: deploy.ts does.
import { z } from 'zod';
import { DeployError } from './errors.js';

export interface NodeInfo {
  /** the chain id the node serves (1 mainnet, 0x80000000 testnet/devnet) */
  readonly networkId: number;
}

export interface AccountState {
  readonly balance: bigint;
  /** the nonce the account's next transaction must carry */
  readonly nonce: bigint;
}

export type TxState =
  | { readonly status: 'unknown' } // the API has not seen it (yet)
  | { readonly status: 'pending' }
  | { readonly status: 'success'; readonly blockHeight: number | null }
  | { readonly status: 'failed'; readonly reason: string; readonly result: string | null };

export interface StacksApi {
  info(): Promise<NodeInfo>;
  account(address: string): Promise<AccountState>;
  /** the source of a deployed contract, or null if there is none */
  contractSource(address: string, name: string): Promise<string | null>;
  /** µSTX for a transaction with this payload and length, or null when the node has no estimate */
  estimateFee(payload: Uint8Array, estimatedLength: number): Promise<bigint | null>;
  /** the node's fee rate for simple transfers, µSTX per byte */
  transferFeeRate(): Promise<bigint>;
  /** post a serialized transaction; resolves to the txid the node answers (hex, no 0x) */
  broadcast(tx: Uint8Array): Promise<string>;
  transaction(txid: string): Promise<TxState>;
}

export interface HttpApiOptions {
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

const InfoBody = z.object({ network_id: z.number().int().nonnegative() });
const AccountBody = z.object({ balance: z.string().regex(/^0x[0-9a-fA-F]+$/), nonce: z.number().int().nonnegative() });
const SourceBody = z.object({ source: z.string() });
const FeeBody = z.object({ estimations: z.array(z.object({ fee: z.number().nonnegative() })).min(1) });
const RateBody = z.number().nonnegative();
const TxidBody = z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/);
const RejectionBody = z.object({ error: z.string(), reason: z.string().optional(), reason_data: z.unknown().optional() });
const TxBody = z.object({
  tx_status: z.string(),
  block_height: z.number().int().optional(),
  tx_result: z.object({ repr: z.string().optional(), hex: z.string().optional() }).nullable().optional(),
});

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function httpApi(baseUrl: string, opts: HttpApiOptions): StacksApi {
  const doFetch = opts.fetch ?? fetch;
  const base = baseUrl.replace(/\/+$/, '');

  async function request(method: 'GET' | 'POST', path: string, body?: { json: unknown } | { bytes: Uint8Array }): Promise<{ status: number; json: unknown }> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(opts.timeoutMs), headers: { accept: 'application/json' } };
    if (body !== undefined && 'json' in body) {
      init.body = JSON.stringify(body.json);
      init.headers = { ...init.headers, 'content-type': 'application/json' };
    } else if (body !== undefined) {
      init.body = body.bytes;
      init.headers = { ...init.headers, 'content-type': 'application/octet-stream' };
    }
    let res: Response;
    let text: string;
    try {
      res = await doFetch(`${base}${path}`, init);
      text = await res.text();
    } catch (cause) {
      throw new DeployError('DEPLOY_HTTP', `${method} ${path}: no answer from ${base}`, { details: { method, path }, cause });
    }
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = text; // some node errors are plain text; callers validate the shape
    }
    return { status: res.status, json };
  }

  function shape<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
    const r = schema.safeParse(value);
    if (!r.success) throw new DeployError('DEPLOY_HTTP', `unexpected answer to ${what}`, { details: { what }, cause: r.error });
    return r.data;
  }

  function ok(r: { status: number; json: unknown }, what: string): unknown {
    if (r.status !== 200) throw new DeployError('DEPLOY_HTTP', `${what} answered HTTP ${r.status}`, { details: { what, status: r.status, body: r.json } });
    return r.json;
  }

  return {
    async info() {
      const r = await request('GET', '/v2/info');
      return { networkId: shape(InfoBody, ok(r, 'GET /v2/info'), 'GET /v2/info').network_id };
    },

    async account(address) {
      const what = `GET /v2/accounts/${address}`;
      const r = await request('GET', `/v2/accounts/${encodeURIComponent(address)}?proof=0`);
      const a = shape(AccountBody, ok(r, what), what);
      return { balance: BigInt(a.balance), nonce: BigInt(a.nonce) };
    },

    async contractSource(address, name) {
      const what = `GET /v2/contracts/source/${address}/${name}`;
      const r = await request('GET', `/v2/contracts/source/${encodeURIComponent(address)}/${encodeURIComponent(name)}?proof=0`);
      if (r.status === 404) return null;
      return shape(SourceBody, ok(r, what), what).source;
    },

    async estimateFee(payload, estimatedLength) {
      const what = 'POST /v2/fees/transaction';
      const r = await request('POST', '/v2/fees/transaction', { json: { transaction_payload: `0x${toHex(payload)}`, estimated_len: estimatedLength } });
      // a node without fee history answers 400 NoEstimateAvailable: the caller falls back
      if (r.status === 400 && JSON.stringify(r.json).includes('NoEstimateAvailable')) return null;
      const { estimations } = shape(FeeBody, ok(r, what), what);
      // the node gives low / middle / high; the middle one confirms without overpaying
      const pick = estimations[Math.min(1, estimations.length - 1)]!;
      return BigInt(Math.ceil(pick.fee));
    },

    async transferFeeRate() {
      const what = 'GET /v2/fees/transfer';
      const r = await request('GET', '/v2/fees/transfer');
      return BigInt(Math.ceil(shape(RateBody, ok(r, what), what)));
    },

    async broadcast(tx) {
      const r = await request('POST', '/v2/transactions', { bytes: tx });
      if (r.status !== 200) {
        const rej = RejectionBody.safeParse(r.json);
        const reason = rej.success ? (rej.data.reason ?? rej.data.error) : `HTTP ${r.status}`;
        throw new DeployError('DEPLOY_REJECTED', `the node refused the transaction: ${reason}`, {
          details: { status: r.status, reason, reasonData: rej.success ? rej.data.reason_data : r.json },
        });
      }
      return shape(TxidBody, r.json, 'POST /v2/transactions').replace(/^0x/, '').toLowerCase();
    },

    async transaction(txid) {
      const what = `GET /extended/v1/tx/0x${txid}`;
      const r = await request('GET', `/extended/v1/tx/0x${txid}`);
      if (r.status === 404) return { status: 'unknown' };
      const t = shape(TxBody, ok(r, what), what);
      if (t.tx_status === 'pending') return { status: 'pending' };
      if (t.tx_status === 'success') return { status: 'success', blockHeight: t.block_height ?? null };
      return { status: 'failed', reason: t.tx_status, result: t.tx_result?.repr ?? t.tx_result?.hex ?? null };
    },
  };
}
