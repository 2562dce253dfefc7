// The client configuration, read once from environment variables, validated with zod at
// this edge (STYLE rule 5) and typed inside. Every variable has a default except the
// channel contract on testnet and mainnet, which exists only once someone deployed it.
// An empty variable counts as unset. A bad value is a ConfigError naming the variable;
// a principal of the other chain (an SP… contract on testnet) is refused, not guessed.
// It must not do I/O beyond reading the `env` object it is given.
import { z } from 'zod';
import { parsePrincipal } from '../codec/principal.js';
import { ConfigError } from './errors.js';
import { NETWORKS, NETWORK_DEFAULTS, type NetworkName } from './networks.js';
import { processEnv } from './process-env.js';

/** The environment variables this module reads, by role. */
export const ENV = {
  network: 'BITSTREAM_NETWORK',
  apiUrl: 'BITSTREAM_API_URL',
  contract: 'BITSTREAM_CONTRACT',
  sbtc: 'BITSTREAM_SBTC',
  window: 'BITSTREAM_WINDOW',
  maxFee: 'BITSTREAM_MAX_FEE',
  pollMs: 'BITSTREAM_POLL_MS',
  confirmTimeoutS: 'BITSTREAM_CONFIRM_TIMEOUT_S',
  httpTimeoutMs: 'BITSTREAM_HTTP_TIMEOUT_MS',
} as const;

/** The dispute window bounds the contract enforces (MIN-WINDOW, MAX-WINDOW), in burn blocks. */
export const WINDOW_BOUNDS = { min: 6, max: 4320, default: 144 } as const;

/** Bounds of the limits: a fee cap per transaction in µSTX, and the polling and HTTP timers. */
export const LIMIT_BOUNDS = {
  // 1 STX by default: a full deploy of bitstream.clar (34 kB) costs ~0.34 STX at devnet's 10 µSTX/byte
  maxFee: { min: 1, max: 1_000_000_000, default: 1_000_000 },
  pollMs: { min: 10, max: 60_000 },
  confirmTimeoutS: { min: 1, max: 86_400 },
  httpTimeoutMs: { min: 100, max: 120_000, default: 15_000 },
} as const;

export type ContractPrincipal = `${string}.${string}`;

export interface Limits {
  /** the most µSTX one transaction may pay in fees */
  readonly maxFee: bigint;
  /** confirmation polling interval */
  readonly pollMs: number;
  /** give up waiting for a confirmation after this long */
  readonly confirmTimeoutS: number;
  /** one HTTP request's timeout */
  readonly httpTimeoutMs: number;
}

export interface BitStreamConfig {
  readonly network: NetworkName;
  readonly chainId: number;
  /** the @stacks/network name transactions are signed for */
  readonly stacksNetwork: 'mainnet' | 'testnet';
  /** the Stacks API (node /v2 and API /extended), no trailing slash */
  readonly apiUrl: string;
  /** the channel contract; null on testnet/mainnet until BITSTREAM_CONTRACT names it */
  readonly contract: ContractPrincipal | null;
  /** the sBTC token contract channels in sBTC escrow */
  readonly sbtc: ContractPrincipal;
  /** the dispute window new channels ask for, in burn blocks */
  readonly window: number;
  readonly limits: Limits;
}

export type Env = Readonly<Record<string, string | undefined>>;

const networkSchema = z.enum(NETWORKS);
const urlSchema = z.url({ protocol: /^https?$/ });

function integerSchema(bounds: { readonly min: number; readonly max: number }) {
  return z
    .string()
    .regex(/^[0-9]{1,16}$/, 'not a decimal integer')
    .transform(Number)
    .pipe(z.number().int().min(bounds.min).max(bounds.max));
}

function read(env: Env, variable: string): string | undefined {
  const v = env[variable];
  return v === undefined || v === '' ? undefined : v;
}

function parse<T>(schema: z.ZodType<T, string>, variable: string, raw: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ConfigError('CONFIG_INVALID', variable, issue?.message ?? 'invalid value', { value: raw, cause: r.error });
}

function integer(env: Env, variable: string, bounds: { readonly min: number; readonly max: number }, fallback: number): number {
  const raw = read(env, variable);
  return raw === undefined ? fallback : parse(integerSchema(bounds), variable, raw);
}

function apiUrl(raw: string): string {
  const url = new URL(parse(urlSchema, ENV.apiUrl, raw));
  // the URL is printed in logs and errors: credentials must not ride in it
  if (url.username !== '' || url.password !== '') throw new ConfigError('CONFIG_INVALID', ENV.apiUrl, 'credentials in the URL are refused');
  if (url.search !== '' || url.hash !== '') throw new ConfigError('CONFIG_INVALID', ENV.apiUrl, 'a query or fragment is refused', { value: raw });
  return url.toString().replace(/\/+$/, '');
}

/** A contract principal of `network`'s chain, or a ConfigError naming `variable`. */
export function contractOf(network: NetworkName, variable: string, raw: string): ContractPrincipal {
  const p = parsePrincipal(raw);
  if (p === null || p.contractName === null) {
    throw new ConfigError('CONFIG_INVALID', variable, 'not a contract principal (ADDRESS.name)', { value: raw });
  }
  if (!NETWORK_DEFAULTS[network].addressVersions.includes(p.version)) {
    throw new ConfigError('CONFIG_NETWORK_MISMATCH', variable, `a principal of another chain than ${network}`, { value: raw });
  }
  return raw as ContractPrincipal;
}

/** Read and check the whole configuration from `env` (process.env by default, none in a browser). */
export function loadConfig(env: Env = processEnv()): BitStreamConfig {
  const rawNetwork = read(env, ENV.network);
  const network: NetworkName = rawNetwork === undefined ? 'local' : parse(networkSchema, ENV.network, rawNetwork);
  const d = NETWORK_DEFAULTS[network];
  const rawUrl = read(env, ENV.apiUrl);
  const rawContract = read(env, ENV.contract);
  const rawSbtc = read(env, ENV.sbtc);
  const rawMaxFee = read(env, ENV.maxFee);
  return {
    network,
    chainId: d.chainId,
    stacksNetwork: d.stacksNetwork,
    apiUrl: apiUrl(rawUrl ?? d.apiUrl),
    contract: rawContract !== undefined ? contractOf(network, ENV.contract, rawContract) : (d.contract as ContractPrincipal | null),
    sbtc: contractOf(network, ENV.sbtc, rawSbtc ?? d.sbtc),
    window: integer(env, ENV.window, WINDOW_BOUNDS, WINDOW_BOUNDS.default),
    limits: {
      maxFee: BigInt(rawMaxFee === undefined ? LIMIT_BOUNDS.maxFee.default : parse(integerSchema(LIMIT_BOUNDS.maxFee), ENV.maxFee, rawMaxFee)),
      pollMs: integer(env, ENV.pollMs, LIMIT_BOUNDS.pollMs, d.pollMs),
      confirmTimeoutS: integer(env, ENV.confirmTimeoutS, LIMIT_BOUNDS.confirmTimeoutS, d.confirmTimeoutS),
      httpTimeoutMs: integer(env, ENV.httpTimeoutMs, LIMIT_BOUNDS.httpTimeoutMs, LIMIT_BOUNDS.httpTimeoutMs.default),
    },
  };
}

/** The channel contract, or CONFIG_MISSING on a network where it has no default. */
export function requireContract(config: BitStreamConfig): ContractPrincipal {
  if (config.contract === null) {
    throw new ConfigError('CONFIG_MISSING', ENV.contract, `no default on ${config.network}: set it to the deployed channel contract`);
  }
  return config.contract;
}
