// The tower's HTTP API (Hono with @hono/zod-openapi; the OpenAPI document is served at
// /openapi.json). Every /v1 request is signed by its client (auth.ts); the client is
// the principal of the signing key. A client uploads the newest closable state of each
// of its channels (uploads.ts) and may ask what the tower holds for one. Errors are JSON
// `{ error: { code, message, details } }` with the stable TOWER_* code.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ChainContext } from '../chain/readers.js';
import { BitStreamError } from '../errors/errors.js';
import { TokenBucket, type RateLimit } from '../peer/rate.js';
import { fromHex, toHex } from '../wire/json.js';
import type { RequestAuth } from './auth.js';
import { TowerCode, TowerError } from './errors.js';
import type { TowerStore } from './store.js';
import { takeUpload, type UploadLimits } from './uploads.js';

const STATUS: Record<string, number> = {
  [TowerCode.Unauthenticated]: 401, [TowerCode.BadUpload]: 400, [TowerCode.Rejected]: 422, [TowerCode.NotParticipant]: 403,
  [TowerCode.NotClosable]: 422, [TowerCode.Stale]: 409, [TowerCode.Limit]: 429, [TowerCode.RateLimited]: 429,
  [TowerCode.UnknownChannel]: 404, [TowerCode.Chain]: 502,
};

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }).openapi('TowerError');
const Held = z.object({ channelId: z.string(), nonce: z.string(), stored: z.enum(['new', 'newer', 'same']).optional(), at: z.number().optional() }).openapi('HeldState');
const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const UploadDoc = z.object({
  state: z.record(z.string(), z.unknown()).openapi({ description: 'the state as the wire carries it (channelId, nonce, balanceA, balanceB, htlcs, action, actor, amount, validUntil, data)' }),
  sigA: hex(65), sigB: hex(65),
}).openapi('Upload');
const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const errors = { 400: json(ErrorBody, 'not an upload'), 401: json(ErrorBody, 'unsigned, expired or replayed request'), 403: json(ErrorBody, 'not a participant'), 409: json(ErrorBody, 'older than what the tower holds'), 422: json(ErrorBody, 'the contract refuses it'), 429: json(ErrorBody, 'over a limit') };
const security = [{ signature: [] }];

export interface TowerApiOptions {
  readonly store: TowerStore;
  readonly ctx: ChainContext;
  readonly auth: RequestAuth;
  readonly limits: UploadLimits;
  /** requests per client (default 20/s, 100 at once) */
  readonly rate?: RateLimit;
  readonly now?: () => number;
}

type Env = { Variables: { client: string; body: string } };

function errorResponse(c: Context, e: unknown) {
  // hono's own refusals: a body that is not JSON, a wrong content type
  if (e instanceof HTTPException && e.status < 500) return c.json({ error: { code: TowerCode.BadUpload, message: e.message } }, 400);
  if (e instanceof BitStreamError) return c.json({ error: { code: e.code, message: e.message, details: JSON.parse(JSON.stringify(e.details, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown> } }, (STATUS[e.code] ?? 400) as 400);
  return c.json({ error: { code: 'TOWER_INTERNAL', message: 'internal error' } }, 500);
}

export function createTowerApi(o: TowerApiOptions): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => (result.success ? undefined : c.json({ error: { code: TowerCode.BadUpload, message: 'the request does not fit its schema' } }, 400)),
  });
  const buckets = new Map<string, TokenBucket>();
  const now = o.now ?? (() => Date.now());
  app.onError((e, c) => errorResponse(c, e));
  app.openAPIRegistry.registerComponent('securitySchemes', 'signature', { type: 'apiKey', in: 'header', name: 'Authorization', description: 'BitStream <public key>.<unix seconds>.<nonce>.<signature>: see the README' });
  app.use('/v1/*', async (c, next) => {
    const body = c.req.method === 'GET' ? '' : await c.req.text();
    const client = o.auth.check(c.req.header('authorization'), c.req.method, c.req.path, new TextEncoder().encode(body));
    let bucket = buckets.get(client);
    if (bucket === undefined) {
      bucket = new TokenBucket(o.rate ?? { perSecond: 20, burst: 100 });
      buckets.set(client, bucket);
    }
    if (!bucket.take()) throw new TowerError(TowerCode.RateLimited, 'too many requests from this client');
    c.set('client', client);
    c.set('body', body);
    await next();
  });

  app.get('/health', (c) => c.json({ ok: true }));
  app.openapi(
    createRoute({ method: 'post', path: '/v1/states', security, request: { body: { content: { 'application/json': { schema: UploadDoc } }, required: true } }, responses: { 200: json(Held, 'kept (or already held)'), 201: json(Held, 'kept: a new channel'), ...errors } }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(c.get('body'));
      } catch {
        throw new TowerError(TowerCode.BadUpload, 'the body is not JSON');
      }
      const r = await takeUpload({ store: o.store, ctx: o.ctx, limits: o.limits, owner: c.get('client'), body, now: now() });
      return c.json({ channelId: toHex(r.channelId), nonce: r.nonce.toString(), stored: r.stored }, r.stored === 'new' ? 201 : 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get', path: '/v1/states/{channelId}', security, request: { params: z.object({ channelId: hex(32).openapi({ param: { name: 'channelId', in: 'path' } }) }) },
      responses: { 200: json(Held, 'what the tower holds for this client and channel'), 404: json(ErrorBody, 'nothing held'), ...errors },
    }),
    (c) => {
      const held = o.store.held(fromHex(c.req.valid('param').channelId), c.get('client'));
      if (held === null) throw new TowerError(TowerCode.UnknownChannel, 'the tower holds no state of this channel from this client');
      return c.json({ channelId: toHex(held.signed.state.channelId), nonce: held.signed.state.nonce.toString(), at: held.at }, 200);
    },
  );
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'BitStream watchtower API', version: '1', description: 'Upload the newest closable state of your channels; the tower challenges every stale close.' } });
  return app;
}
