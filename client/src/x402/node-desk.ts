// A server's Desk in its BitStream node, over the node's HTTP API (/v1/x402/*): every
// paid-API process behind one node asks the node, so all of them share its view of each
// channel, and what they are paid is durable in the node's store.
import { z } from 'zod';
import { RefusalReason, X402Code, X402Error } from './errors.js';
import { offerSchema, payloadSchema, receiptSchema } from './forms.js';
import type { Desk, Outcome, Priced } from './payee-desk.js';

const refusal = z.strictObject({ ok: z.literal(false), reason: z.enum(Object.values(RefusalReason) as [RefusalReason, ...RefusalReason[]]), message: z.string() });
const outcome = <T extends z.ZodType>(value: T) => z.union([z.strictObject({ ok: z.literal(true), value }), refusal]);
const offered = outcome(offerSchema.extend({ asset: z.string() }));
const checked = outcome(payloadSchema);
const settled = outcome(receiptSchema.extend({ payer: z.string() }));

const pricedJson = (p: Priced) => ({
  method: p.method, path: p.path, amount: p.amount.toString(), asset: p.asset,
  ...(p.retry === undefined ? {} : { retry: p.retry }), ...(p.next === undefined ? {} : { next: p.next }),
});

export interface NodeDeskOptions {
  /** the node's API, e.g. http://127.0.0.1:8545 */
  readonly url: string;
  /** its bearer token */
  readonly token: string;
  readonly fetch?: typeof fetch;
}

export class NodeDesk implements Desk {
  constructor(private readonly o: NodeDeskOptions) {}

  offer(header: string, candidates: readonly Priced[]) {
    return this.call('offer', { header, candidates: candidates.map(pricedJson) }, offered);
  }

  check(payload: unknown, priced: Priced) {
    return this.call('check', { payload, priced: pricedJson(priced) }, checked);
  }

  settle(payload: unknown, priced: Priced) {
    return this.call('settle', { payload, priced: pricedJson(priced) }, settled);
  }

  private async call<T>(what: string, body: unknown, schema: z.ZodType<Outcome<T>>): Promise<Outcome<T>> {
    const res = await (this.o.fetch ?? fetch)(`${this.o.url}/v1/x402/${what}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.o.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json: unknown = await res.json().catch(() => null);
    const parsed = schema.safeParse(json);
    if (res.status !== 200 || !parsed.success) {
      throw new X402Error(X402Code.BadServerReply, `the node's /v1/x402/${what} answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`, { details: { status: res.status } });
    }
    return parsed.data;
  }
}
