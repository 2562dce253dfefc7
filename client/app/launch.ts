// `npm run app`: everything the dApp needs on this machine, started in one call — the
// local chain (in this process, mining on a clock), a hub node as its own process
// (`bitstream node start`, devnet wallet_4's key), sBTC from the faucet for the
// accounts a person imports into a wallet, and the page, built and served on loopback
// with its config.json. It owns what it starts; stop() ends all of it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLocalChain, type RunningChain } from '../src/localchain/index.js';
import { DemoChain } from '../src/demo/chain-client.js';
import { DEPLOYER } from '../src/demo/accounts.js';
import { faucet } from '../src/demo/setup.js';
import { CHAIN_ID, CONTRACTS } from '../src/demo/world.js';
import { startNode, stopNode, type NodeProcess } from '../src/demo/node-process.js';
import { DEVNET_ACCOUNTS } from '../src/devnet/accounts.js';
import { buildPage, removeBuild, serve, type BuiltPage } from './serve.js';
import type { AppConfig } from './src/config.js';

export interface AppOptions {
  /** the page's port (default 5173; 0: a free one) */
  readonly port?: number;
  /** the local chain's port (default 3999, where wallets look for a devnet node; 0: a free one) */
  readonly chainPort?: number;
  /** a Stacks block every N ms (default 500) and a burn block every N ms (default 3000) */
  readonly blockMs?: number;
  readonly burnMs?: number;
  /** a chain already running (its API URL) instead of starting one here: the tests' chain process */
  readonly chainUrl?: string;
  /** the dispute window the page asks for, in burn blocks (default 6) */
  readonly window?: number;
  readonly minify?: boolean;
  readonly onProgress?: (what: string) => void;
}

export interface RunningApp {
  readonly pageUrl: string;
  readonly chainUrl: string;
  /** the hub node running now */
  readonly hub: NodeProcess;
  readonly config: AppConfig;
  /** stop the hub (as an operator would: it finishes what it writes) */
  stopHub(): Promise<void>;
  /** start it again on its data and its peer port: pages reconnect by themselves */
  startHub(): Promise<NodeProcess>;
  /** the accounts with funds a person can import into a wallet */
  readonly accounts: readonly { readonly name: string; readonly address: string }[];
  stop(): Promise<void>;
}

/** The devnet accounts a person pays from (wallet_4 is the hub). */
export const PAYERS = ['wallet_1', 'wallet_2', 'wallet_3'] as const;
const HUB = DEVNET_ACCOUNTS.wallet_4;
const SBTC_EACH = 50_000_000n; // 0.5 sBTC

export async function launchApp(o: AppOptions = {}): Promise<RunningApp> {
  const say = o.onProgress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-app-'));
  let chain: RunningChain | null = null;
  let hub: NodeProcess | null = null;
  let built: BuiltPage | null = null;
  let server: Awaited<ReturnType<typeof serve>> | null = null;
  const stop = async () => {
    await server?.close();
    if (hub !== null) await stopNode(hub);
    await chain?.stop();
    if (built !== null) removeBuild(built);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    say('building the page and starting the local chain');
    const page = buildPage(undefined, { minify: o.minify ?? true });
    if (o.chainUrl === undefined) {
      chain = await startLocalChain({ host: '127.0.0.1', port: o.chainPort ?? 3999, blockIntervalMs: o.blockMs ?? 500, burnBlockIntervalMs: o.burnMs ?? 3000 });
    }
    const chainUrl = o.chainUrl ?? chain!.url;
    say(`local chain at ${chainUrl}; starting the hub node`);
    const demo = new DemoChain(chainUrl, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
    const funded = demo.submitAll(PAYERS.map((p) => [faucet(SBTC_EACH, DEVNET_ACCOUNTS[p].address), DEPLOYER] as const));
    const token = randomBytes(16).toString('hex');
    const startHub = async (peerPort: number) =>
      (hub = await startNode({
        chainUrl, dataDir: join(dir, 'hub'), key: Buffer.from(HUB.privateKey).toString('hex'), token,
        extra: { BITSTREAM_POLL_MS: '500', BITSTREAM_LOG_LEVEL: 'warn', BITSTREAM_WINDOW: String(o.window ?? 6), BITSTREAM_PEER_PORT: String(peerPort) },
      }));
    await startHub(0);
    const peerPort = Number(new URL(hub!.peerUrl).port);
    await funded;
    built = await page;
    const config: AppConfig = {
      chainUrl, hubUrl: hub!.peerUrl, hubPrincipal: hub!.principal, contract: CONTRACTS.channel, registry: CONTRACTS.registry,
      chainId: CHAIN_ID, network: 'devnet', window: o.window ?? 6,
      tokens: [
        { symbol: 'STX', contract: null, asset: null, decimals: 6 },
        { symbol: 'sBTC', contract: CONTRACTS.sbtc, asset: 'sbtc-token', decimals: 8 },
      ],
    };
    server = await serve(built.dir, { port: o.port ?? 5173, files: { '/config.json': JSON.stringify(config) } });
    return {
      pageUrl: server.url, chainUrl, config, stop,
      get hub() {
        return hub!;
      },
      stopHub: async () => {
        if (hub !== null) await stopNode(hub);
      },
      startHub: () => startHub(peerPort),
      accounts: PAYERS.map((name) => ({ name, address: DEVNET_ACCOUNTS[name].address })),
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
