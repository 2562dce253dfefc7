// The node's configuration: defaults, then a JSON config file, then environment
// variables (each step overrides the one before; the CLI turns its flags into the same
// names). The chain settings are the client's (config/load.ts, BITSTREAM_NETWORK, …), so
// a library user and a node read them alike. Validated here, typed inside. Refuses
// mainnet unless BITSTREAM_ALLOW_MAINNET=1 (or allowMainnet in the file): a node holds
// real money there. No I/O beyond reading the file it is given.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, contractOf, type BitStreamConfig, type ContractPrincipal, type Env } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { NETWORKS } from '../config/networks.js';
import { NodeCode, NodeError } from './errors.js';
import type { ForwardPolicy, SwapRate } from './forwarder.js';

/** Environment variables of the node (on top of config/load.ts's). */
export const NODE_ENV = {
  config: 'BITSTREAM_CONFIG',
  dataDir: 'BITSTREAM_DATA_DIR',
  key: 'BITSTREAM_NODE_KEY',
  keyFile: 'BITSTREAM_KEY_FILE',
  passphrase: 'BITSTREAM_KEY_PASSPHRASE',
  registry: 'BITSTREAM_REGISTRY',
  peerHost: 'BITSTREAM_PEER_HOST',
  peerPort: 'BITSTREAM_PEER_PORT',
  peerPublicUrl: 'BITSTREAM_PEER_PUBLIC_URL',
  apiHost: 'BITSTREAM_API_HOST',
  apiPort: 'BITSTREAM_API_PORT',
  apiToken: 'BITSTREAM_API_TOKEN',
  confirmations: 'BITSTREAM_CONFIRMATIONS',
  allowMainnet: 'BITSTREAM_ALLOW_MAINNET',
  logLevel: 'BITSTREAM_LOG_LEVEL',
  signatureLog: 'BITSTREAM_SIGNATURE_LOG',
  peerRate: 'BITSTREAM_PEER_RATE',
  peerBurst: 'BITSTREAM_PEER_BURST',
  forward: 'BITSTREAM_FORWARD',
  feeBase: 'BITSTREAM_FEE_BASE',
  feePpm: 'BITSTREAM_FEE_PPM',
  forwardDelta: 'BITSTREAM_FORWARD_DELTA',
  invoiceMargin: 'BITSTREAM_INVOICE_MARGIN',
  towers: 'BITSTREAM_TOWERS',
  swapRates: 'BITSTREAM_SWAP_RATES',
  backupFile: 'BITSTREAM_BACKUP_FILE',
  backupIntervalMs: 'BITSTREAM_BACKUP_INTERVAL_MS',
  peerStorage: 'BITSTREAM_PEER_STORAGE',
} as const;

export const NODE_DEFAULTS = {
  dataDir: '.bitstream',
  peerHost: '127.0.0.1',
  peerPort: 9736,
  apiHost: '127.0.0.1',
  apiPort: 9737,
  confirmations: 1,
  logLevel: 'info',
  peerRate: 5000,
  peerBurst: 20_000,
  /** a hub's fee for forwarding: base (smallest unit) + rate (parts per million) */
  feeBase: 0,
  feePpm: 1000,
  /** tenures a hub takes off a forwarded HTLC's expiry: at least the safety delta a reveal needs */
  forwardDelta: 12,
  /** tenures a payer adds to the expiry the payee asks, for the time until the payee sees the HTLC */
  invoiceMargin: 3,
  /** the channel backup file, in the data directory unless set (point it at another disk) */
  backupFile: 'channels.backup',
  /** the most often the backup file and the peers' copies are rewritten after changes */
  backupIntervalMs: 1000,
} as const;

const port = z.number().int().min(0).max(65535);
/** a standalone watchtower's base URL */
const TOWER_URL = /^https?:\/\/[^\s,]{1,190}$/;
/** what the node's invoices tell payers to dial: a ws:// or wss:// URL */
const PUBLIC_URL = /^wss?:\/\/[^\s]{1,190}$/;
const FileSchema = z.strictObject({
  network: z.enum(NETWORKS).optional(),
  allowMainnet: z.boolean().optional(),
  dataDir: z.string().min(1).optional(),
  apiUrl: z.string().optional(),
  contract: z.string().optional(),
  registry: z.string().optional(),
  sbtc: z.string().optional(),
  keyFile: z.string().min(1).optional(),
  window: z.number().int().optional(),
  pollMs: z.number().int().optional(),
  confirmations: z.number().int().min(0).max(100).optional(),
  peer: z.strictObject({ host: z.string().min(1).optional(), port: port.optional(), publicUrl: z.string().regex(PUBLIC_URL).optional() }).optional(),
  api: z.strictObject({ host: z.string().min(1).optional(), port: port.optional() }).optional(),
  forward: z.strictObject({
    enabled: z.boolean().optional(), feeBase: z.number().int().min(0).max(1e15).optional(), feePpm: z.number().int().min(0).max(1_000_000).optional(),
    expiryDelta: z.number().int().min(6).max(1_000).optional(),
    rates: z.array(z.string()).max(32).optional(),
  }).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  towers: z.array(z.string().regex(TOWER_URL)).max(8).optional(),
  backup: z.strictObject({ file: z.string().min(1).nullable().optional(), intervalMs: z.number().int().min(10).max(3_600_000).optional(), peerStorage: z.boolean().optional() }).optional(),
});
export type NodeConfigFile = z.infer<typeof FileSchema>;

export interface NodeConfig {
  readonly chain: BitStreamConfig & { readonly contract: ContractPrincipal };
  readonly registry: ContractPrincipal;
  readonly dataDir: string;
  /** where the key comes from: a hex key in the environment, or a key file and its passphrase */
  readonly key: { readonly kind: 'env'; readonly hex: string } | { readonly kind: 'file'; readonly path: string; readonly passphrase: string };
  /**
   * where peers connect; the URL invoices give payers (null: the address it listens on,
   * right for loopback and a LAN; behind a proxy or TLS terminator, its public wss:// URL);
   * and the frames per second (sustained, burst) one peer may send
   */
  readonly peer: { readonly host: string; readonly port: number; readonly publicUrl: string | null; readonly rate: { readonly perSecond: number; readonly burst: number } };
  /** whether this node forwards payments between its channels, and for what */
  readonly forward: ForwardPolicy;
  /** tenures this node, paying an invoice, adds to the expiry the payee needs */
  readonly invoiceMargin: number;
  /** standalone watchtowers (http(s) URLs) this node gives each channel's newest closable state */
  readonly towers: readonly string[];
  /** the sealed channel backup: where (null: none), how often at most, and whether peers keep a copy of ours (and we of theirs) */
  readonly backup: { readonly file: string | null; readonly intervalMs: number; readonly peerStorage: boolean };
  readonly api: { readonly host: string; readonly port: number; readonly token: string | null };
  /** burn blocks deep an on-chain channel state must be before its funds count */
  readonly confirmations: number;
  readonly logLevel: string;
  /** append every state signature this node releases (channel, nonce, hash) to this file, for audits (written before the signature is sent; not fsynced: complete across crashes of the process, not of the machine) */
  readonly signatureLog: string | null;
}

function readFile(path: string): NodeConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new NodeError(NodeCode.Config, `cannot read config file ${path}`, { cause, details: { path } });
  }
  const r = FileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new NodeError(NodeCode.Config, `${path}: ${i.path.join('.') || '(top)'}: ${i.message}`, { details: { path, field: i.path.join('.') } });
  }
  return r.data;
}

const blank = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

function int(env: Env, name: string, min: number, max: number): number | undefined {
  const v = blank(env[name]);
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw new ConfigError('CONFIG_INVALID', name, `an integer from ${min} to ${max}`, { value: v });
  return Number(v);
}

function towers(env: Env): string[] | undefined {
  const v = blank(env[NODE_ENV.towers]);
  if (v === undefined) return undefined;
  const urls = v.split(',').map((u) => u.trim()).filter((u) => u !== '');
  if (urls.length > 8 || urls.some((u) => !TOWER_URL.test(u))) throw new ConfigError('CONFIG_INVALID', NODE_ENV.towers, 'up to 8 comma-separated http(s) URLs', { value: v });
  return urls;
}

/** `in/out=inUnits:outUnits`, each token `stx`, `sbtc` or a contract principal: the hub takes inUnits of in for every outUnits of out it pays */
const RATE = /^([A-Za-z0-9.-]{3,170})\/([A-Za-z0-9.-]{3,170})=([1-9][0-9]{0,17}):([1-9][0-9]{0,17})$/;

function swapRates(raw: readonly string[], chain: BitStreamConfig, where: string): SwapRate[] {
  const token = (t: string): string | null => (t.toLowerCase() === 'stx' ? null : t.toLowerCase() === 'sbtc' ? chain.sbtc : contractOf(chain.network, where, t));
  const rates = raw.map((r) => {
    const m = RATE.exec(r.trim());
    if (m === null) throw new ConfigError('CONFIG_INVALID', where, 'comma-separated in/out=inUnits:outUnits (e.g. stx/sbtc=3000:1)', { value: r });
    const rate = { inToken: token(m[1]!), outToken: token(m[2]!), inUnits: BigInt(m[3]!), outUnits: BigInt(m[4]!) };
    if (rate.inToken === rate.outToken) throw new ConfigError('CONFIG_INVALID', where, 'a swap between two different tokens', { value: r });
    return rate;
  });
  if (new Set(rates.map((r) => `${r.inToken}/${r.outToken}`)).size !== rates.length) throw new ConfigError('CONFIG_INVALID', where, 'one rate per token pair', { value: raw.join(',') });
  return rates;
}

/** BITSTREAM_BACKUP_FILE: a path (relative to the working directory), or `off` */
function backupFile(env: Env, file: NodeConfigFile, dataDir: string): string | null {
  const v = blank(env[NODE_ENV.backupFile]);
  if (v === 'off') return null;
  if (v !== undefined) return resolve(v);
  if (file.backup?.file === null) return null;
  return file.backup?.file !== undefined ? resolve(file.backup.file) : resolve(dataDir, NODE_DEFAULTS.backupFile);
}

function flag(env: Env, name: string): boolean | undefined {
  const v = blank(env[name]);
  if (v !== undefined && v !== '0' && v !== '1') throw new ConfigError('CONFIG_INVALID', name, '0 or 1', { value: v });
  return v === undefined ? undefined : v === '1';
}

function publicUrl(env: Env): string | undefined {
  const v = blank(env[NODE_ENV.peerPublicUrl]);
  if (v !== undefined && !PUBLIC_URL.test(v)) throw new ConfigError('CONFIG_INVALID', NODE_ENV.peerPublicUrl, 'a ws:// or wss:// URL', { value: v });
  return v;
}

/** The node's configuration from `env` (and the file BITSTREAM_CONFIG names, if any). */
export function loadNodeConfig(env: Env = process.env): NodeConfig {
  const filePath = blank(env[NODE_ENV.config]);
  const file: NodeConfigFile = filePath === undefined ? {} : readFile(filePath);
  // the file's chain settings become the client's variables, unless the environment sets them
  const chainEnv: Record<string, string | undefined> = {
    BITSTREAM_NETWORK: file.network,
    BITSTREAM_API_URL: file.apiUrl,
    BITSTREAM_CONTRACT: file.contract,
    BITSTREAM_SBTC: file.sbtc,
    BITSTREAM_WINDOW: file.window?.toString(),
    BITSTREAM_POLL_MS: file.pollMs?.toString(),
  };
  for (const [k, v] of Object.entries(env)) if (blank(v) !== undefined) chainEnv[k] = v;
  const chain = loadConfig(chainEnv);
  if (chain.network === 'mainnet' && !(blank(env[NODE_ENV.allowMainnet]) === '1' || file.allowMainnet === true)) {
    throw new NodeError(NodeCode.MainnetRefused, `refusing to run on mainnet without ${NODE_ENV.allowMainnet}=1: this node would hold real funds`);
  }
  if (chain.contract === null) {
    throw new ConfigError('CONFIG_MISSING', 'BITSTREAM_CONTRACT', `no default on ${chain.network}: set it to the deployed channel contract`);
  }
  const contract = chain.contract;
  const rawRegistry = blank(env[NODE_ENV.registry]) ?? file.registry;
  const registry = rawRegistry === undefined ? (`${contract.split('.')[0]}.secret-registry` as ContractPrincipal) : contractOf(chain.network, NODE_ENV.registry, rawRegistry);

  const dataDir = resolve(blank(env[NODE_ENV.dataDir]) ?? file.dataDir ?? NODE_DEFAULTS.dataDir);
  const hexKey = blank(env[NODE_ENV.key]);
  const keyFile = blank(env[NODE_ENV.keyFile]) ?? file.keyFile ?? (existsSync(resolve(dataDir, 'key.json')) ? resolve(dataDir, 'key.json') : undefined);
  let key: NodeConfig['key'];
  if (hexKey !== undefined) {
    if (!/^[0-9a-fA-F]{64}(01)?$/.test(hexKey)) throw new ConfigError('CONFIG_INVALID', NODE_ENV.key, 'a 32-byte private key in hex (optionally with the 01 compression suffix)');
    key = { kind: 'env', hex: hexKey.slice(0, 64).toLowerCase() };
  } else if (keyFile !== undefined) {
    const passphrase = env[NODE_ENV.passphrase];
    if (passphrase === undefined || passphrase === '') throw new ConfigError('CONFIG_MISSING', NODE_ENV.passphrase, `the passphrase of ${keyFile}`);
    key = { kind: 'file', path: resolve(keyFile), passphrase };
  } else {
    throw new ConfigError('CONFIG_MISSING', NODE_ENV.key, `no key: set ${NODE_ENV.key}, or ${NODE_ENV.keyFile} and ${NODE_ENV.passphrase} (bitstream key create writes one)`);
  }
  return {
    chain: { ...chain, contract },
    registry,
    dataDir,
    key,
    peer: {
      host: blank(env[NODE_ENV.peerHost]) ?? file.peer?.host ?? NODE_DEFAULTS.peerHost,
      port: int(env, NODE_ENV.peerPort, 0, 65535) ?? file.peer?.port ?? NODE_DEFAULTS.peerPort,
      publicUrl: publicUrl(env) ?? file.peer?.publicUrl ?? null,
      rate: { perSecond: int(env, NODE_ENV.peerRate, 1, 1_000_000) ?? NODE_DEFAULTS.peerRate, burst: int(env, NODE_ENV.peerBurst, 1, 10_000_000) ?? NODE_DEFAULTS.peerBurst },
    },
    forward: {
      enabled: flag(env, NODE_ENV.forward) ?? file.forward?.enabled ?? true,
      feeBase: BigInt(int(env, NODE_ENV.feeBase, 0, 999_999_999) ?? file.forward?.feeBase ?? NODE_DEFAULTS.feeBase),
      feePpm: int(env, NODE_ENV.feePpm, 0, 1_000_000) ?? file.forward?.feePpm ?? NODE_DEFAULTS.feePpm,
      expiryDelta: int(env, NODE_ENV.forwardDelta, 6, 1_000) ?? file.forward?.expiryDelta ?? NODE_DEFAULTS.forwardDelta,
      rates: blank(env[NODE_ENV.swapRates]) !== undefined ? swapRates(env[NODE_ENV.swapRates]!.split(','), chain, NODE_ENV.swapRates)
        : swapRates(file.forward?.rates ?? [], chain, 'forward.rates'),
    },
    invoiceMargin: int(env, NODE_ENV.invoiceMargin, 1, 1_000) ?? NODE_DEFAULTS.invoiceMargin,
    towers: towers(env) ?? file.towers ?? [],
    backup: {
      file: backupFile(env, file, dataDir),
      intervalMs: int(env, NODE_ENV.backupIntervalMs, 10, 3_600_000) ?? file.backup?.intervalMs ?? NODE_DEFAULTS.backupIntervalMs,
      peerStorage: flag(env, NODE_ENV.peerStorage) ?? file.backup?.peerStorage ?? true,
    },
    api: {
      host: blank(env[NODE_ENV.apiHost]) ?? file.api?.host ?? NODE_DEFAULTS.apiHost,
      port: int(env, NODE_ENV.apiPort, 0, 65535) ?? file.api?.port ?? NODE_DEFAULTS.apiPort,
      token: blank(env[NODE_ENV.apiToken]) ?? null,
    },
    confirmations: int(env, NODE_ENV.confirmations, 0, 100) ?? file.confirmations ?? NODE_DEFAULTS.confirmations,
    logLevel: blank(env[NODE_ENV.logLevel]) ?? file.logLevel ?? NODE_DEFAULTS.logLevel,
    signatureLog: blank(env[NODE_ENV.signatureLog]) ?? null,
  };
}
