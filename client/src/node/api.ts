// The node's HTTP API (Hono, with @hono/zod-openapi: every request is validated by its
// zod schema, and the same schemas make the OpenAPI document served at /openapi.json).
// /v1/* and /metrics need `Authorization: Bearer <token>`; /health and /openapi.json
// do not. Errors are JSON `{ error: { code, message, details } }` with the stable code
// of the typed error behind them. Handlers only translate: the manager decides.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import { timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import { BitStreamError } from '../errors/errors.js';
import { PaymentFailedError, PaymentPendingError } from '../channel/payments.js';
import { toHex } from '../wire/json.js';
import { NodeCode, NodeError } from './errors.js';
import type { BitStreamNode } from './service.js';
import { MAX_INVOICE_CHARS, MAX_EXPIRY_DELTA, MAX_EXPIRY_SECONDS, MAX_MEMO_BYTES, MIN_EXPIRY_SECONDS } from '../invoice/invoice.js';
import type { Invoice } from '../invoice/sign.js';
import type { IssuedInvoice, OutgoingPayment } from './invoice-ledger.js';
import type { SwapQuote } from './swaps.js';
import { x402Routes } from './x402-api.js';

const Amount = z.string().regex(/^[1-9][0-9]{0,38}$/, 'a positive integer in the token\'s smallest unit, as a string').openapi({ example: '1000' });
const ChannelId = z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 32-byte channel id in hex');
const Principal = z.string().regex(/^S[0-9A-HJKMNP-TV-Z]{27,41}$/, 'a standard Stacks principal');
const TokenName = z.string().regex(/^(stx|sbtc|S[0-9A-HJKMNP-TV-Z]{27,41}\.[a-zA-Z][a-zA-Z0-9-]{0,39})$/, 'stx, sbtc or a SIP-010 contract');
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }).openapi('Error');
const Channel = z.object({
  id: z.string(), peer: z.string(), role: z.enum(['a', 'b']), token: z.string().nullable(), phase: z.string(), nonce: z.string(),
  balance: z.string(), peerBalance: z.string(), window: z.string(), busy: z.boolean(), peerConnected: z.boolean(),
  restored: z.object({ nonce: z.string(), source: z.string(), at: z.number() }).nullable().openapi({ description: 'restored from a backup and not yet proven by the peer: it does not force-close' }),
}).openapi('Channel');
const Peer = z.object({ principal: z.string(), connected: z.boolean() }).openapi('Peer');
const Payment = z.object({ id: z.string(), channelId: z.string(), amount: z.string(), status: z.string(), nonce: z.string().optional(), reason: z.string().optional() }).openapi('Payment');
const Info = z.object({
  principal: z.string(), publicKey: z.string(), network: z.string(), chainId: z.number(), contract: z.string(), peerUrl: z.string().nullable(),
  chain: z.object({ burnHeight: z.string(), stacksHeight: z.string(), lastReadMsAgo: z.number().nullable(), error: z.string().nullable() }),
  channels: z.number(), peers: z.number(),
}).openapi('NodeInfo');
const Tx = z.object({ txid: z.string(), channelId: z.string().nullable(), kind: z.string(), nonce: z.string(), fee: z.string(), status: z.string(), at: z.number() }).openapi('Transaction');

const InvoiceText = z.string().min(10).max(MAX_INVOICE_CHARS).regex(/^\s*(bitstream|BITSTREAM)1[0-9a-zA-Z]+\s*$/, 'a BitStream invoice (bitstream1…)');
const Hash = z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 32-byte payment hash in hex');
const InvoiceView = z.object({
  invoice: z.string(), paymentHash: z.string(), amount: z.string(), token: z.string().nullable(), memo: z.string(), payee: z.string(),
  payeeUrl: z.string().nullable(), createdAt: z.number(), expiresAt: z.number(), finalExpiryDelta: z.number(),
  hints: z.array(z.object({ hubKey: z.string(), hubUrl: z.string(), feeBase: z.string(), feePpm: z.number(), expiryDelta: z.number() })),
}).openapi('Invoice');
const Quote = z.object({ invoice: InvoiceView, route: z.object({ channelId: z.string(), via: z.string().nullable().openapi({ description: 'the hub that forwards it (null: a direct channel)' }), fee: z.string(), total: z.string() }).nullable(), routeError: z.object({ code: z.string(), message: z.string() }).nullable() }).openapi('InvoiceQuote');
const IssuedView = z.object({ direction: z.literal('incoming'), paymentHash: z.string(), invoice: z.string(), amount: z.string(), token: z.string().nullable(), status: z.string(), expiresAt: z.number(), channelId: z.string().nullable(), paidAt: z.number().nullable() });
const OutgoingView = z.object({
  direction: z.literal('outgoing'), paymentHash: z.string(), invoice: z.string(), payee: z.string(), amount: z.string(), fee: z.string(), channelId: z.string(),
  status: z.string(), secret: z.string().nullable().openapi({ description: 'the payee\'s secret: proof of payment' }), reason: z.string().nullable(),
}).openapi('InvoicePayment');

const SwapBody = z.strictObject({
  peer: Principal.openapi({ description: 'the peer that makes the swap: this node has a channel with it in each token' }),
  sell: TokenName.openapi({ description: 'what this node gives' }), buy: TokenName.openapi({ description: 'what it gets' }),
  amount: Amount.openapi({ description: 'how much of `buy`' }),
});
const SwapQuoteView = z.object({
  peer: z.string(), sell: z.string().nullable(), buy: z.string().nullable(), amount: z.string(), price: z.string().openapi({ description: 'what the peer asks, in `sell`' }),
  rate: z.object({ inUnits: z.string(), outUnits: z.string() }).openapi({ description: 'the peer takes inUnits of sell for every outUnits of buy' }),
  sellChannel: z.string(), buyChannel: z.string(), expiryDelta: z.number(),
}).openapi('SwapQuote');
const SwapView = SwapQuoteView.extend({
  paymentHash: z.string(), status: z.string(), bought: z.boolean(), secret: z.string().nullable(),
}).openapi('Swap');

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const errors = { 400: json(ErrorBody, 'bad request'), 401: json(ErrorBody, 'no or wrong bearer token'), 404: json(ErrorBody, 'not found'), 409: json(ErrorBody, 'not possible now'), 502: json(ErrorBody, 'the chain refused or failed') };
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const idParam = { params: z.object({ id: ChannelId.openapi({ param: { name: 'id', in: 'path' } }) }) };
const security = [{ bearer: [] }];

const STATUS: Record<string, number> = {
  [NodeCode.BadRequest]: 400, [NodeCode.Unauthorized]: 401, [NodeCode.UnknownChannel]: 404, [NodeCode.UnknownPayment]: 404,
  [NodeCode.PeerNotConnected]: 409, [NodeCode.ChannelState]: 409, [NodeCode.OpenRefused]: 409, [NodeCode.OpenMismatch]: 409,
  [NodeCode.Chain]: 502, [NodeCode.ChainTimeout]: 504, [NodeCode.InvoicePaid]: 409, [NodeCode.NoRoute]: 409, [NodeCode.UnknownInvoice]: 404, [NodeCode.UnprovenState]: 409,
};

export function errorResponse(c: Context, e: unknown) {
  // hono's own refusals (a body that is not JSON, a wrong content type)
  if (e instanceof HTTPException && e.status < 500) {
    return c.json({ error: { code: NodeCode.BadRequest, message: e.message } }, e.status === 415 ? 415 : 400);
  }
  if (e instanceof BitStreamError) {
    const status = STATUS[e.code] ?? (e instanceof PaymentPendingError ? 202 : e instanceof PaymentFailedError ? 422 : e instanceof NodeError ? 500 : 400);
    return c.json({ error: { code: e.code, message: e.message, details: jsonSafe(e.details) } }, status as 400);
  }
  return c.json({ error: { code: 'NODE_INTERNAL', message: 'internal error' } }, 500);
}

function jsonSafe(d: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))) as Record<string, unknown>;
}

const invoiceView = (i: Invoice) => ({
  invoice: i.text, paymentHash: toHex(i.paymentHash), amount: i.amount.toString(), token: i.token, memo: i.memo, payee: i.payee, payeeUrl: i.payeeUrl,
  createdAt: i.createdAt, expiresAt: i.expiresAt, finalExpiryDelta: i.finalExpiryDelta,
  hints: i.hints.map((h) => ({ hubKey: toHex(h.hubKey), hubUrl: h.hubUrl, feeBase: h.feeBase.toString(), feePpm: h.feePpm, expiryDelta: h.expiryDelta })),
});
const issuedView = (i: IssuedInvoice) => ({
  direction: 'incoming' as const, paymentHash: i.hash, invoice: i.text, amount: i.amount.toString(), token: i.token, status: i.status, expiresAt: i.expiresAt, channelId: i.channelId, paidAt: i.paidAt,
});
const outgoingView = (p: OutgoingPayment) => ({
  direction: 'outgoing' as const, paymentHash: p.hash, invoice: p.text, payee: p.payee, amount: p.amount.toString(), fee: p.fee.toString(), channelId: p.channelId,
  status: p.status, secret: p.secret, reason: p.reason,
});

const swapQuoteView = (q: SwapQuote) => ({
  peer: q.peer, sell: q.sell, buy: q.buy, amount: q.amount.toString(), price: q.price.toString(), rate: { inUnits: q.rate.inUnits.toString(), outUnits: q.rate.outUnits.toString() },
  sellChannel: q.sellChannel, buyChannel: q.buyChannel, expiryDelta: q.expiryDelta,
});

const tokenOf = (node: BitStreamNode, t: string): string | null => (t === 'stx' ? null : t === 'sbtc' ? node.config.chain.sbtc : t);

export function createApi(node: BitStreamNode, token: string): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const i = result.error.issues[0];
        return c.json({ error: { code: NodeCode.BadRequest, message: `${i?.path.join('.') || 'body'}: ${i?.message ?? 'invalid'}`, details: { issues: result.error.issues.slice(0, 5).map((x) => `${x.path.join('.')}: ${x.message}`) } } }, 400);
      }
      return undefined;
    },
  });
  const expected = Buffer.from(`Bearer ${token}`);
  const authorised = (header: string | undefined) => {
    const got = Buffer.from(header ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  const requireToken: MiddlewareHandler = async (c, next) => {
    if (!authorised(c.req.header('authorization'))) return c.json({ error: { code: NodeCode.Unauthorized, message: 'a valid bearer token is required' } }, 401);
    return next();
  };
  app.use('/v1/*', requireToken);
  app.use('/metrics', requireToken);
  app.onError((e, c) => errorResponse(c, e));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/metrics', async (c) => c.text(await node.metrics.registry.metrics(), 200, { 'content-type': node.metrics.registry.contentType }));

  app.openapi(createRoute({ method: 'get', path: '/v1/info', security, responses: { 200: json(Info, 'the node'), 401: errors[401] } }), (c) => c.json(node.info(), 200));

  app.openapi(createRoute({ method: 'get', path: '/v1/peers', security, responses: { 200: json(z.array(Peer), 'peers'), 401: errors[401] } }), (c) => c.json(node.peers(), 200));
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/peers', security,
      request: body(z.strictObject({ url: z.string().regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// URL'), principal: Principal.optional() })),
      responses: { 200: json(Peer, 'connected'), ...errors },
    }),
    async (c) => {
      const b = c.req.valid('json');
      return c.json(await node.connect(b.url, b.principal), 200);
    },
  );

  app.openapi(createRoute({ method: 'get', path: '/v1/channels', security, responses: { 200: json(z.array(Channel), 'channels'), 401: errors[401] } }), (c) => c.json(node.manager.list(), 200));
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/channels', security,
      request: body(z.strictObject({
        peer: Principal, amount: Amount,
        token: TokenName.default('stx'),
        window: z.number().int().min(6).max(4320).optional(),
      })),
      responses: { 201: json(Channel, 'opened and confirmed'), ...errors },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const view = await node.manager.open({ peer: b.peer, token: tokenOf(node, b.token), amount: BigInt(b.amount), window: BigInt(b.window ?? node.config.chain.window) });
      return c.json(view, 201);
    },
  );
  app.openapi(createRoute({ method: 'get', path: '/v1/channels/{id}', security, request: idParam, responses: { 200: json(Channel, 'the channel'), ...errors } }), (c) =>
    c.json(node.manager.get(c.req.valid('param').id), 200));
  for (const op of ['deposit', 'withdraw'] as const) {
    app.openapi(
      createRoute({ method: 'post', path: `/v1/channels/{id}/${op}`, security, request: { ...idParam, ...body(z.strictObject({ amount: Amount })) }, responses: { 200: json(Channel, `${op} confirmed`), ...errors } }),
      async (c) => c.json(await node.manager[op](c.req.valid('param').id, BigInt(c.req.valid('json').amount)), 200),
    );
  }
  app.openapi(createRoute({ method: 'post', path: '/v1/channels/{id}/close', security, request: idParam, responses: { 200: json(Channel, 'closed cooperatively'), ...errors } }), async (c) =>
    c.json(await node.manager.close(c.req.valid('param').id), 200));
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/channels/{id}/force-close', security,
      request: { ...idParam, query: z.object({ acceptRisk: z.enum(['true', 'false']).optional().openapi({ description: 'close a restored channel the peer has not proven (409 NODE_UNPROVEN_STATE otherwise): only if the peer is gone for good' }) }) },
      responses: { 200: json(Channel, 'closing; resolved after the window'), ...errors },
    }),
    async (c) => c.json(await node.manager.forceClose(c.req.valid('param').id, undefined, { acceptRisk: c.req.valid('query').acceptRisk === 'true' }), 200),
  );
  const BackupReport = z.object({ path: z.string(), channels: z.number(), bytes: z.number(), at: z.number(), nonces: z.record(z.string(), z.string()) }).openapi('BackupReport');
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/backup', security,
      request: body(z.strictObject({ path: z.string().min(1).max(1_000).optional().openapi({ description: 'write here instead of the configured backup file' }) })),
      responses: { 200: json(BackupReport, 'written (sealed under the node key) and fsynced'), ...errors },
    }),
    async (c) => {
      const p = c.req.valid('json').path;
      return c.json(await node.backups.writeNow(p === undefined ? undefined : resolve(p)), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get', path: '/v1/backup', security,
      responses: {
        200: json(z.object({
          file: z.string().nullable(), last: BackupReport.nullable(),
          peerCopies: z.record(z.string(), z.string()).openapi({ description: 'by channel: the nonce of the newest sealed backup its peer keeps for us (since the node started)' }),
        }), 'the backup file and its newest write, and what the peers keep'),
        401: errors[401],
      },
    }),
    (c) => c.json({ file: node.config.backup.file, last: node.backups.status, peerCopies: { ...node.vault.copies } }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post', path: '/v1/payments', security,
      request: body(z.strictObject({ channelId: ChannelId, amount: Amount, id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/).optional() })),
      responses: { 200: json(Payment, 'paid: the state carrying it is final'), 202: json(ErrorBody, 'still pending: ask for its status'), 422: json(ErrorBody, 'failed: nothing moved'), ...errors },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const r = await node.manager.pay(b.channelId.replace(/^0x/, '').toLowerCase(), BigInt(b.amount), b.id === undefined ? {} : { paymentId: b.id });
      return c.json({ id: r.id, channelId: b.channelId, amount: r.amount.toString(), status: 'completed', nonce: r.nonce.toString() }, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/v1/payments/{id}', security, request: { params: z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/).openapi({ param: { name: 'id', in: 'path' } }) }) }, responses: { 200: json(Payment, 'the payment'), ...errors } }),
    (c) => {
      const s = node.manager.paymentStatus(c.req.valid('param').id);
      if (s === null) throw new NodeError(NodeCode.UnknownPayment, `no payment ${c.req.valid('param').id} on this node`);
      return c.json({ id: s.id, channelId: s.channelId, amount: s.amount.toString(), status: s.status, ...(s.nonce === undefined ? {} : { nonce: s.nonce.toString() }), ...(s.reason === undefined ? {} : { reason: s.reason }) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/invoices', security,
      request: body(z.strictObject({
        amount: Amount, token: TokenName.default('stx'), memo: z.string().max(MAX_MEMO_BYTES).refine((m) => Buffer.byteLength(m) <= MAX_MEMO_BYTES, `at most ${MAX_MEMO_BYTES} bytes`).optional(),
        expirySeconds: z.number().int().min(MIN_EXPIRY_SECONDS).max(MAX_EXPIRY_SECONDS).optional(), finalExpiryDelta: z.number().int().min(1).max(MAX_EXPIRY_DELTA).optional(),
      })),
      responses: { 201: json(InvoiceView, 'issued: its secret is stored'), ...errors },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const inv = await node.invoices.issue({
        amount: BigInt(b.amount), token: tokenOf(node, b.token), ...(b.memo === undefined ? {} : { memo: b.memo }),
        ...(b.expirySeconds === undefined ? {} : { expirySeconds: b.expirySeconds }), ...(b.finalExpiryDelta === undefined ? {} : { finalExpiryDelta: b.finalExpiryDelta }),
      });
      return c.json(invoiceView(inv), 201);
    },
  );
  app.openapi(
    createRoute({ method: 'post', path: '/v1/invoices/decode', security, request: body(z.strictObject({ invoice: InvoiceText })), responses: { 200: json(Quote, 'what paying it would do'), ...errors } }),
    (c) => {
      const text = c.req.valid('json').invoice;
      const invoice = node.invoices.read(text);
      try {
        const q = node.invoices.quote(text);
        return c.json({ invoice: invoiceView(invoice), route: { channelId: q.channelId, via: q.route.hub?.principal ?? null, fee: q.fee.toString(), total: q.total.toString() }, routeError: null }, 200);
      } catch (e) {
        if (!(e instanceof NodeError)) throw e;
        return c.json({ invoice: invoiceView(invoice), route: null, routeError: { code: e.code, message: e.message } }, 200);
      }
    },
  );
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/invoices/pay', security,
      request: body(z.strictObject({ invoice: InvoiceText, timeoutMs: z.number().int().min(100).max(600_000).optional() })),
      responses: { 200: json(OutgoingView, 'paid: the secret is the proof'), 202: json(ErrorBody, 'the HTLC stands; the payee has not settled yet'), 422: json(ErrorBody, 'failed: nothing moved'), ...errors },
    }),
    async (c) => {
      const b = c.req.valid('json');
      return c.json(outgoingView(await node.invoices.pay(b.invoice, b.timeoutMs === undefined ? {} : { timeoutMs: b.timeoutMs })), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get', path: '/v1/invoices/{hash}', security, request: { params: z.object({ hash: Hash.openapi({ param: { name: 'hash', in: 'path' } }) }) },
      responses: { 200: json(z.union([IssuedView, OutgoingView]), 'an invoice this node issued, or one it paid'), ...errors },
    }),
    (c) => {
      const hash = c.req.valid('param').hash;
      const issued = node.invoices.issued(hash);
      if (issued !== null) return c.json(issuedView(issued), 200);
      const out = node.invoices.outgoing(hash);
      if (out !== null) return c.json(outgoingView(out), 200);
      throw new NodeError(NodeCode.UnknownInvoice, `this node neither issued nor paid an invoice with payment hash ${hash}`);
    },
  );

  const swapOf = (b: z.infer<typeof SwapBody>) => ({ peer: b.peer, sell: tokenOf(node, b.sell), buy: tokenOf(node, b.buy), amount: BigInt(b.amount) });
  app.openapi(
    createRoute({ method: 'post', path: '/v1/swaps/quote', security, request: body(SwapBody), responses: { 200: json(SwapQuoteView, 'the peer\'s price; nothing is locked'), ...errors } }),
    async (c) => c.json(swapQuoteView(await node.swaps.quote(swapOf(c.req.valid('json')))), 200),
  );
  app.openapi(
    createRoute({
      method: 'post', path: '/v1/swaps', security,
      request: body(SwapBody.extend({
        maxSell: Amount.optional().openapi({ description: 'refuse if the peer asks more than this (default: its quote)' }),
        timeoutMs: z.number().int().min(100).max(600_000).optional(),
      })),
      responses: { 200: json(SwapView, 'swapped: both HTLCs settled'), 202: json(ErrorBody, 'our HTLC stands; the peer has not claimed it yet'), 422: json(ErrorBody, 'failed: nothing moved'), ...errors },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const r = await node.swaps.execute({ ...swapOf(b), ...(b.maxSell === undefined ? {} : { maxSell: BigInt(b.maxSell) }), ...(b.timeoutMs === undefined ? {} : { timeoutMs: b.timeoutMs }) });
      return c.json({ ...swapQuoteView(r), paymentHash: r.paymentHash, status: r.status, bought: r.bought, secret: r.secret }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get', path: '/v1/swaps/{hash}', security, request: { params: z.object({ hash: Hash.openapi({ param: { name: 'hash', in: 'path' } }) }) },
      responses: {
        200: json(z.object({ paymentHash: z.string(), status: z.string(), bought: z.boolean(), amount: z.string(), reason: z.string().nullable() }).openapi('SwapStatus'), 'paid: both sides settled; failed: nothing moved'),
        ...errors,
      },
    }),
    (c) => {
      const s = node.swaps.status(c.req.valid('param').hash.replace(/^0x/, '').toLowerCase());
      if (s === null) throw new NodeError(NodeCode.UnknownInvoice, `no swap of this node has payment hash ${c.req.valid('param').hash}`);
      return c.json({ ...s, amount: s.amount.toString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/v1/forwards', security,
      responses: {
        200: json(z.object({
          settled: z.number(), fees: z.record(z.string(), z.string()).openapi({ description: 'earned by the settled forwards, by token (stx, or the contract), in its smallest unit' }),
          recent: z.array(z.object({ paymentHash: z.string(), payer: z.string(), payee: z.string(), token: z.string().nullable(), inToken: z.string().nullable(), inAmount: z.string(), inChannel: z.string().nullable(), outChannel: z.string(), amount: z.string(), fee: z.string(), status: z.string(), reason: z.string().nullable(), at: z.number() })),
        }).openapi('Forwards'), 'what this node forwarded as a hub (the newest 100)'),
        401: errors[401],
      },
    }),
    (c) => {
      const r = node.forwarder.report();
      return c.json({
        settled: r.settled, fees: Object.fromEntries(Object.entries(r.fees).map(([k, v]) => [k, v.toString()])),
        recent: r.recent.map((f) => ({ paymentHash: f.hash, payer: f.payer, payee: f.payee, token: f.token, inToken: f.inToken, inAmount: f.inAmount.toString(), inChannel: f.inChannel, outChannel: f.outChannel, amount: f.amount.toString(), fee: f.fee.toString(), status: f.status, reason: f.reason, at: f.at })),
      }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get', path: '/v1/towers', security,
      responses: { 200: json(z.array(z.object({ url: z.string(), uploaded: z.record(z.string(), z.string()), waiting: z.number(), lastError: z.string().nullable() }).openapi('TowerStatus')), 'the standalone watchtowers this node uploads to'), 401: errors[401] },
    }),
    (c) => c.json(node.towers.status().map((t) => ({ ...t, uploaded: { ...t.uploaded } })), 200),
  );
  app.openapi(createRoute({ method: 'get', path: '/v1/transactions', security, responses: { 200: json(z.array(Tx), 'what the node sent'), 401: errors[401] } }), (c) =>
    c.json(node.meta.txs().map((t) => ({ txid: t.txid, channelId: t.channelId, kind: t.kind, nonce: t.nonce.toString(), fee: t.fee.toString(), status: t.status, at: t.at })), 200));

  app.get('/v1/events', (c) =>
    streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let wake: (() => void) | null = null;
      const off = node.events.on((e) => {
        queue.push(JSON.stringify(e));
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      while (!stream.aborted) {
        const next = queue.shift();
        if (next === undefined) {
          await new Promise<void>((r) => (wake = r));
          wake = null;
          continue;
        }
        await stream.writeSSE({ event: (JSON.parse(next) as { type: string }).type, data: next });
      }
    }));

  x402Routes(app, node, errors);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'BitStream node API', version: '1', description: 'Payment channels on Stacks: peers, channels, payments, events. Bearer token on /v1/*.' },
  });
  return app;
}
