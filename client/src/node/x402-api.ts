// The node API's pay-per-call routes (PROTOCOL §11). /v1/x402/{offer,check,settle}: a
// paid-API process's NodeDesk asks the node to sign or settle on its channels.
// /v1/fetch: the node fetches a URL and pays its 402 on one of its channels, within its
// caps and the call's maxAmount. Handlers translate; NodeX402 and the desk decide.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { RETRY_ID } from '../x402/forms.js';
import type { BitStreamNode } from './service.js';

const Amount = z.string().regex(/^[1-9][0-9]{0,38}$/, 'a positive integer in the token\'s smallest unit, as a string');
const Priced = z.strictObject({
  method: z.string().regex(/^[A-Z]{1,16}$/, 'an upper-case HTTP method'),
  path: z.string().min(1).max(4096).startsWith('/'),
  /** 0 only when charging after the handler (a request that used nothing, or failed) */
  amount: z.string().regex(/^(0|[1-9][0-9]{0,38})$/, 'an unsigned integer in the token\'s smallest unit, as a string'),
  asset: z.string().min(1).max(200),
  /** a retry of the route's last payment: the payment id the payload names and the retries the route serves (PROTOCOL §11, Retries) */
  retry: z.strictObject({ id: z.string().regex(RETRY_ID, 'an x402 payment identifier'), limit: z.number().int().min(1).max(10) }).optional(),
  /** offer the next request of the route at this price once this payment settles (PROTOCOL §11, One request per call) */
  next: z.boolean().optional(),
});
const Outcome = z.object({ ok: z.boolean(), value: z.record(z.string(), z.unknown()).optional(), reason: z.string().optional(), message: z.string().optional() }).openapi('X402Outcome');
const PaidFetch = z.object({
  status: z.number(), headers: z.record(z.string(), z.string()), body: z.string(),
  payment: z.object({
    amount: z.string(), transaction: z.string(), payer: z.string().nullable(),
    refund: z.object({ amount: z.string(), status: z.string() }).nullable(),
  }).nullable(),
}).openapi('PaidFetch');

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const toPriced = (p: z.infer<typeof Priced>) => ({
  method: p.method, path: p.path, amount: BigInt(p.amount), asset: p.asset,
  ...(p.retry === undefined ? {} : { retry: p.retry }), ...(p.next === undefined ? {} : { next: p.next }),
});

export function x402Routes(app: OpenAPIHono, node: BitStreamNode, errors: Record<number, { content: unknown; description: string }>): void {
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/x402/offer', security,
      request: body(z.strictObject({ header: z.string().min(1).max(8192), candidates: z.array(Priced).min(1).max(8) })),
      responses: { 200: json(Outcome, 'our first signature on the proposal, or why not (nothing signed)'), ...errors },
    }),
    async (c) => {
      const b = c.req.valid('json');
      return c.json(await node.x402.desk.offer(b.header, b.candidates.map(toPriced)), 200);
    },
  );
  const paying = { check: 'whether the payload would pay for the request now (nothing changes)', settle: 'the receipt, once the state is final and durable; or why not (nothing moved)' } as const;
  for (const [what, description] of Object.entries(paying) as [keyof typeof paying, string][]) {
    app.openapi(
      createRoute({
        method: 'post', path: `/v1/x402/${what}`, security,
        request: body(z.strictObject({ payload: z.record(z.string(), z.unknown()), priced: Priced })),
        responses: { 200: json(Outcome, description), ...errors },
      }),
      async (c) => {
        const b = c.req.valid('json');
        return c.json(await node.x402.desk[what](b.payload, toPriced(b.priced)), 200);
      },
    );
  }
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/fetch', security,
      request: body(z.strictObject({
        url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'an http or https URL'),
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
        headers: z.record(z.string(), z.string()).optional(),
        body: z.string().max(1024 * 1024).optional(),
        maxAmount: Amount.optional(),
      })),
      responses: { 200: json(PaidFetch, 'the response, and the payment it settled'), ...errors },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const init = { method: b.method, ...(b.headers === undefined ? {} : { headers: b.headers }), ...(b.body === undefined ? {} : { body: b.body }) };
      return c.json(await node.x402.fetch(b.url, init, b.maxAmount === undefined ? undefined : BigInt(b.maxAmount)), 200);
    },
  );
}
