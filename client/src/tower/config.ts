// The standalone tower's configuration: the node's (chain, contract, registry, key, data
// directory, log level: node/config.ts, the same variables and file) plus where its API
// listens and its per-client limit. The key pays the tower's fees: fund its account.
import { loadNodeConfig, type NodeConfig } from '../node/config.js';
import { ConfigError } from '../config/errors.js';
import type { Env } from '../config/load.js';

export const TOWER_ENV = {
  host: 'BITSTREAM_TOWER_HOST',
  port: 'BITSTREAM_TOWER_PORT',
  channelsPerClient: 'BITSTREAM_TOWER_CHANNELS_PER_CLIENT',
} as const;

export const TOWER_DEFAULTS = { host: '127.0.0.1', port: 9738, channelsPerClient: 100 } as const;

export interface TowerConfig extends Pick<NodeConfig, 'chain' | 'registry' | 'dataDir' | 'key' | 'logLevel'> {
  readonly api: { readonly host: string; readonly port: number };
  readonly channelsPerClient: number;
}

function int(env: Env, name: string, min: number, max: number, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^[0-9]{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw new ConfigError('CONFIG_INVALID', name, `an integer from ${min} to ${max}`, { value: v });
  return Number(v);
}

export function loadTowerConfig(env: Env = process.env): TowerConfig {
  const n = loadNodeConfig(env);
  return {
    chain: n.chain, registry: n.registry, dataDir: n.dataDir, key: n.key, logLevel: n.logLevel,
    api: { host: env[TOWER_ENV.host] || TOWER_DEFAULTS.host, port: int(env, TOWER_ENV.port, 0, 65535, TOWER_DEFAULTS.port) },
    channelsPerClient: int(env, TOWER_ENV.channelsPerClient, 1, 1_000_000, TOWER_DEFAULTS.channelsPerClient),
  };
}
