// TowerService: the standalone watchtower as one long-running process (`bitstream tower
// start`). Its clients upload their newest closable states over the HTTP API (api.ts);
// the node's chain loop (node/chain-loop.ts), given the uploaded channels and states
// instead of a node's, watches the chain and challenges every stale close at every
// block until its challenge lands (replacing it with a higher fee when it is dropped or
// sticks), then resolves. Everything it keeps is on disk (tower.db: the states;
// tower-meta.db: its transactions), so a restart carries on; one process owns the data
// directory's tower files. It never needs a client online, and it holds no key but
// its own, which pays its fees.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { pino, type Logger } from 'pino';
import { connectChain } from '../chainclient/connect.js';
import { selectBackend } from '../crypto/select.js';
import { ChainLoop } from '../node/chain-loop.js';
import { NodeEvents } from '../node/events.js';
import { loadKey } from '../node/keyfile.js';
import { NodeMeta } from '../node/meta.js';
import { keyIdentity } from '../peer/identity.js';
import { StoreOwnership } from '../store/owner.js';
import { toHex } from '../wire/json.js';
import { createTowerApi } from './api.js';
import { RequestAuth } from './auth.js';
import type { TowerConfig } from './config.js';
import { TowerStore } from './store.js';

export class TowerService {
  url: string | null = null;
  private server: ServerType | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly config: TowerConfig,
    readonly principal: string,
    private readonly owner: StoreOwnership,
    readonly store: TowerStore,
    private readonly meta: NodeMeta,
    readonly loop: ChainLoop,
    readonly log: Logger,
  ) {}

  static async start(config: TowerConfig, o: { log?: Logger } = {}): Promise<TowerService> {
    const log = o.log ?? pino({ level: config.logLevel, base: { tower: 'bitstream' } });
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const privateKey = await loadKey(config.key);
    const backend = await selectBackend();
    const { principal } = keyIdentity(privateKey, backend, config.chain.chainId);
    const path = join(config.dataDir, 'tower.db');
    // first: this process is the tower files' only owner
    const owner = StoreOwnership.claim(path);
    const store = new TowerStore(path);
    const meta = new NodeMeta(join(config.dataDir, 'tower-meta.db'));
    const { api, ctx, broadcaster } = connectChain(config, { principal, privateKey });
    const loop = new ChainLoop({
      api, ctx, broadcaster, txs: meta, events: new NodeEvents(), pollMs: config.chain.limits.pollMs, log,
      channels: { ids: () => store.channelIds().map(toHex) }, states: store,
    });
    const t = new TowerService(config, principal, owner, store, meta, loop, log);
    try {
      const app = createTowerApi({ store, ctx, auth: new RequestAuth({ chainId: config.chain.chainId, recover: (h, s) => backend.recover(h, s) }), limits: { channelsPerClient: config.channelsPerClient } });
      app.get('/info', (c) => c.json({ principal, network: config.chain.network, chainId: config.chain.chainId, contract: config.chain.contract, channels: store.channelIds().length, chain: { burnHeight: loop.status.burn.toString(), error: loop.status.error } }));
      // what it sent is on-chain anyway: public, for its clients to see it at work
      app.get('/transactions', (c) => c.json(meta.txs().map((x) => ({ txid: x.txid, channelId: x.channelId, kind: x.kind, nonce: x.nonce.toString(), fee: x.fee.toString(), status: x.status, at: x.at }))));
      await t.listen(app.fetch);
      loop.start();
    } catch (e) {
      await t.stop();
      throw e;
    }
    log.info({ principal, url: t.url, network: config.chain.network }, 'tower started');
    return t;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.loop.stop();
      const server = this.server;
      if (server !== null) await new Promise<void>((r) => server.close(() => r()));
      this.store.close();
      this.meta.close();
      this.owner.release();
      this.log.info('tower stopped');
    })();
    return this.stopping;
  }

  private listen(fetch: (req: Request) => Response | Promise<Response>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const server = serve({ fetch, hostname: this.config.api.host, port: this.config.api.port }, (a) => {
        this.url = `http://${this.config.api.host}:${a.port}`;
        writeFileSync(join(this.config.dataDir, 'tower-url'), `${this.url}\n`);
        resolve();
      });
      server.once('error', reject);
      this.server = server;
    });
  }
}
