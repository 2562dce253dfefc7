// BitStreamNode: one long-running node. It composes the library: its key (environment
// or encrypted key file), the crypto backend, the durable state store (which makes this
// process the only owner of the data directory), the peer network, the channel
// manager, the chain loop with the built-in watchtower, metrics, and the HTTP API.
// `start` brings them up in that order and `stop` takes them down in reverse, closing
// the store last so nothing signed is lost.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { pino, type Logger } from 'pino';
import { connectChain } from '../chainclient/connect.js';
import { selectBackend } from '../crypto/select.js';
import { WINDOW_BOUNDS } from '../config/load.js';
import { keyIdentity } from '../peer/identity.js';
import { PeerNetwork } from '../peer/network.js';
import { LocalKeySigner } from '../signers/local.js';
import { SqliteStore } from '../store/sqlite.js';
import { storeSecrets, storeStates } from '../watchtower/sources.js';
import { toHex } from '../wire/json.js';
import { createApi } from './api.js';
import { ChainLoop } from './chain-loop.js';
import { InvoiceLedger } from './invoice-ledger.js';
import { Forwarder } from './forwarder.js';
import { InvoiceDesk } from './invoices.js';
import { SwapDesk } from './swaps.js';
import { BackupWriter } from './backups.js';
import { PeerVault, VaultStore } from './peer-vault.js';
import { backupKey } from '../backup/seal.js';
import type { PeerSession } from '../peer/session.js';
import { TowerUploads } from './tower-uploads.js';
import { TowerClient } from '../tower/client.js';
import type { NodeConfig } from './config.js';
import { NodeEvents } from './events.js';
import { loadKey } from './keyfile.js';
import { ChannelManager } from './manager.js';
import { NodeX402 } from './x402.js';
import { NodeMeta } from './meta.js';
import { NodeMetrics } from './metrics.js';
import { apiToken } from './token.js';

export interface StartOptions {
  readonly log?: Logger;
  /** peer limits for tests (rate, keepalive) */
  readonly peer?: Pick<ConstructorParameters<typeof PeerNetwork>[0], 'rate' | 'keepaliveMs' | 'handshakeMs'>;
}

export class BitStreamNode {
  peerUrl: string | null = null;
  apiUrl: string | null = null;
  private server: ServerType | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly config: NodeConfig,
    readonly principal: string,
    readonly publicKey: Uint8Array,
    readonly store: SqliteStore,
    readonly meta: NodeMeta,
    readonly net: PeerNetwork,
    readonly manager: ChannelManager,
    readonly invoices: InvoiceDesk,
    readonly forwarder: Forwarder,
    readonly swaps: SwapDesk,
    readonly backups: BackupWriter,
    readonly vault: PeerVault,
    private readonly vaultStore: VaultStore,
    private readonly ledger: InvoiceLedger,
    readonly towers: TowerUploads,
    readonly loop: ChainLoop,
    readonly events: NodeEvents,
    readonly metrics: NodeMetrics,
    readonly log: Logger,
    private readonly token: string,
    readonly x402: NodeX402,
  ) {}

  static async start(config: NodeConfig, o: StartOptions = {}): Promise<BitStreamNode> {
    const log = o.log ?? pino({ level: config.logLevel, base: { node: 'bitstream' } });
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const privateKey = await loadKey(config.key);
    const backend = await selectBackend();
    const signer = new LocalKeySigner(privateKey, { backend });
    const identity = keyIdentity(privateKey, backend, config.chain.chainId);
    const { principal, publicKey } = identity;
    // first: the store's lock makes this process the data directory's only owner
    const store = new SqliteStore(join(config.dataDir, 'channels.db'));
    const meta = new NodeMeta(join(config.dataDir, 'node.db'));
    const { api, ctx, broadcaster } = connectChain(config, { principal, privateKey });
    const events = new NodeEvents();
    let manager: ChannelManager | null = null;
    // peer storage, once it exists: a connection that comes up hands back our channels and proves restored ones
    let connected: (s: PeerSession) => void = () => undefined;
    const net = new PeerNetwork({
      identity,
      chainId: config.chain.chainId,
      recover: (h, s) => backend.recover(h, s),
      onRequest: (kind, body, session) => manager!.onRequest(kind, body, session),
      onSession: (s) => events.emit({ type: 'peer', principal: s.principal, connected: true }),
      onConnected: (s) => connected(s),
      onConnectionError: (e, peer) => log.info({ peer, code: e.code }, e.message),
      rate: config.peer.rate,
      ...o.peer,
    });
    manager = new ChannelManager({
      self: { principal, publicKey, signer, backend }, store, meta, net, api, broadcaster, ctx, chainId: config.chain.chainId,
      tokens: [config.chain.sbtc], window: { min: BigInt(WINDOW_BOUNDS.min), max: BigInt(WINDOW_BOUNDS.max) },
      confirmations: config.confirmations, events, log, signatureLog: config.signatureLog,
    });
    const ledger = new InvoiceLedger(join(config.dataDir, 'invoices.db'));
    let node: BitStreamNode | null = null;
    const invoices = new InvoiceDesk({
      ledger, manager, self: identity, recover: (h, s) => backend.recover(h, s), chainId: config.chain.chainId,
      peerUrl: () => config.peer.publicUrl ?? node?.peerUrl ?? null, events, log, expiryMargin: config.invoiceMargin,
    });
    manager.follow(invoices);
    const forwarder = new Forwarder({ ledger, manager, invoices, policy: config.forward, self: principal, peerUrl: () => config.peer.publicUrl ?? node?.peerUrl ?? null, events, log });
    invoices.forwardWith(forwarder);
    const swaps = new SwapDesk({ manager, invoices, self: principal });
    const key = backupKey(privateKey);
    const source = { manager, store, meta, ledger, identity: { chainId: config.chain.chainId, contract: config.chain.contract, principal } };
    const backups = new BackupWriter({ ...source, key, path: config.backup.file, intervalMs: config.backup.intervalMs, events, log });
    manager.follow(backups);
    const vaultStore = new VaultStore(join(config.dataDir, 'vault.db'));
    const vault = new PeerVault({ ...source, vault: vaultStore, storage: config.backup.peerStorage, key, intervalMs: config.backup.intervalMs, log });
    if (config.backup.peerStorage) {
      manager.follow(vault);
      connected = (s) => void vault.onConnected(s);
    }
    const uploads = new TowerUploads(
      config.towers.map((url) => new TowerClient({ url, publicKey, sign: (h) => identity.sign(h) })), config.towers, log,
    );
    if (config.towers.length > 0) manager.follow(uploads);
    const loop = new ChainLoop({
      api, ctx, broadcaster, txs: meta, events, self: principal, pollMs: config.chain.limits.pollMs, log,
      channels: { ids: () => manager.all().map((c) => c.meta.id), tip: (b, t) => manager.tip(b, t), observed: (id, n, st, b) => manager.observed(id, n, st, b) },
      states: storeStates(store), secrets: storeSecrets(store),
    });
    const m = manager;
    const metrics = new NodeMetrics(events, {
      channelsByPhase: () => m.list().reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.phase]: (acc[c.phase] ?? 0) + 1 }), {}),
      chainLagSeconds: () => (loop.status.at === 0 ? -1 : (Date.now() - loop.status.at) / 1000),
      peersConnected: () => net.sessions().filter((s) => s.connected).length,
      chainReads: () => loop.reads,
    });
    const token = apiToken(config);
    const x402 = new NodeX402(manager, { chainId: config.chain.chainId });
    node = new BitStreamNode(config, principal, publicKey, store, meta, net, manager, invoices, forwarder, swaps, backups, vault, vaultStore, ledger, uploads, loop, events, metrics, log, token, x402);
    try {
      await manager.restore();
      invoices.resume();
      forwarder.resume();
      uploads.offerAll(manager.all().filter((h) => h.meta.phase === 'open').map((h) => ({ id: h.meta.id, closable: h.channel.closable })));
      node.peerUrl = await net.listen(config.peer.port, config.peer.host);
      for (const p of meta.peers()) void net.connect(p.url, p.principal, { persistent: true }).catch((e: unknown) => log.warn({ peer: p.principal, err: e }, 'could not reconnect to a peer'));
      loop.start();
      await node.listenApi();
    } catch (e) {
      await node.stop();
      throw e;
    }
    log.info({ principal, peer: node.peerUrl, api: node.apiUrl, network: config.chain.network }, 'node started');
    return node;
  }

  info() {
    const s = this.loop.status;
    return {
      principal: this.principal, publicKey: toHex(this.publicKey), network: this.config.chain.network, chainId: this.config.chain.chainId,
      contract: this.config.chain.contract, peerUrl: this.peerUrl,
      chain: { burnHeight: s.burn.toString(), stacksHeight: s.stacks.toString(), lastReadMsAgo: s.at === 0 ? null : Date.now() - s.at, error: s.error },
      channels: this.manager.list().length, peers: this.net.sessions().filter((x) => x.connected).length,
    };
  }

  peers() {
    return this.net.sessions().map((s) => ({ principal: s.principal, connected: s.connected }));
  }

  /** Connect to a peer (and reconnect to it after restarts). */
  async connect(url: string, principal?: string) {
    const s = await this.net.connect(url, principal);
    this.meta.savePeer(s.principal, url);
    return { principal: s.principal, connected: s.connected };
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // the towers and the backup file get the newest states before the node goes away
      await this.towers.flush();
      await this.backups.stop();
      this.vault.stop();
      await this.loop.stop();
      const server = this.server;
      if (server !== null) await new Promise<void>((r) => server.close(() => r()));
      await this.net.close();
      this.manager.shutdown();
      await this.store.close();
      this.meta.close();
      this.ledger.close();
      this.vaultStore.close();
      this.log.info('node stopped');
    })();
    return this.stopping;
  }

  private async listenApi(): Promise<void> {
    const app = createApi(this, this.token);
    await new Promise<void>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, hostname: this.config.api.host, port: this.config.api.port }, (a) => {
        this.apiUrl = `http://${this.config.api.host}:${a.port}`;
        // the CLI on this machine finds the API from the data directory
        writeFileSync(join(this.config.dataDir, 'api-url'), `${this.apiUrl}\n`);
        resolve();
      });
      server.once('error', reject);
      this.server = server;
    });
  }
}
