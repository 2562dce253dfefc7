// The command line of `npm run deploy`: flags, the mainnet guard, the key and the
// configuration, then a dry-run print or a real deploy, and the lines the client
// configuration needs afterwards. Returns the exit code; writes only through `io`, and
// reaches the network only through `makeApi`, so tests run it whole against a fake node.
//   --network devnet|testnet|mainnet   required
//   --yes-deploy-to-mainnet            required with --network mainnet (not for a dry run)
//   --dry-run                          print the plan; no network access at all
//   --fee <µSTX>                       fixed fee per transaction instead of the node's estimate
//   --manifest <path>                  default ./Clarinet.toml
// Environment: BITSTREAM_DEPLOYER_KEY (required, never printed) and the BITSTREAM_*
// configuration (config/). BITSTREAM_NETWORK, if set, must agree with --network.
import { parseArgs } from 'node:util';
import { BitStreamError } from '../errors/errors.js';
import { ENV, loadConfig, type BitStreamConfig, type Env } from '../config/index.js';
import { httpApi, type StacksApi } from './api.js';
import type { Clock } from './confirm.js';
import { deployPlan, wiringOf, type DeployResult } from './deploy.js';
import { DeployError } from './errors.js';
import { DeployerKey } from './key.js';
import { DEPLOY_NETWORKS, isDeployNetwork, loadPlan, type DeployPlan } from './plan.js';

export const MAINNET_FLAG = 'yes-deploy-to-mainnet';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliDeps {
  /** the network layer (default: httpApi over fetch at the configured URL) */
  readonly makeApi?: (config: BitStreamConfig) => StacksApi;
  readonly clock?: Clock;
}

const USAGE = `usage: npm run deploy -- --network devnet|testnet|mainnet [--dry-run] [--fee <µSTX>] [--manifest <path>] [--${MAINNET_FLAG}]
  needs BITSTREAM_DEPLOYER_KEY (hex private key) in the environment`;

interface Flags {
  readonly network: 'devnet' | 'testnet' | 'mainnet';
  readonly dryRun: boolean;
  readonly mainnetConfirmed: boolean;
  readonly fee: bigint | undefined;
  readonly manifest: string;
}

function parseFlags(argv: readonly string[]): Flags | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((a) => a !== '--'), // npm and vite-node may pass the separator through
      strict: true,
      allowPositionals: false,
      options: {
        network: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        [MAINNET_FLAG]: { type: 'boolean', default: false },
        fee: { type: 'string' },
        manifest: { type: 'string', default: 'Clarinet.toml' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (cause) {
    throw new DeployError('DEPLOY_USAGE', cause instanceof Error ? cause.message : String(cause), { cause });
  }
  if (values.help) return 'help';
  const network = values.network;
  if (network === undefined) throw new DeployError('DEPLOY_USAGE', `--network is required (${DEPLOY_NETWORKS.join('|')})`);
  if (!isDeployNetwork(network)) throw new DeployError('DEPLOY_USAGE', `--network must be one of ${DEPLOY_NETWORKS.join('|')}, not ${network}`);
  let fee: bigint | undefined;
  if (values.fee !== undefined) {
    if (!/^[0-9]{1,16}$/.test(values.fee) || BigInt(values.fee) === 0n) throw new DeployError('DEPLOY_USAGE', `--fee must be a positive integer of µSTX, not ${values.fee}`);
    fee = BigInt(values.fee);
  }
  return { network, dryRun: values['dry-run'], mainnetConfirmed: values[MAINNET_FLAG], fee, manifest: values.manifest };
}

function printPlan(io: CliIo, plan: DeployPlan, config: BitStreamConfig, deployer: string, flags: Flags): void {
  io.out(`BitStream deploy plan for ${plan.network}${flags.dryRun ? ' (dry run: nothing is sent)' : ''}`);
  io.out(`  deployer  ${deployer}`);
  io.out(`  api       ${config.apiUrl}`);
  io.out(`  fees      ${flags.fee !== undefined ? `${flags.fee} µSTX per transaction (--fee)` : 'estimated by the node'}, at most ${config.limits.maxFee} µSTX each`);
  for (const s of plan.steps) {
    const after = s.dependsOn.length > 0 ? `  after ${s.dependsOn.join(', ')}` : '';
    io.out(`  batch ${s.batch}  ${deployer}.${s.name}  ${s.path}  clarity ${s.clarityVersion}  epoch ${s.epoch}  ${Buffer.byteLength(s.source, 'utf8')} bytes${after}`);
  }
  for (const s of plan.skipped) io.out(`  skipped  ${s.name} (${s.reason})`);
}

function printWiring(io: CliIo, network: string, wiring: DeployResult['wiring'], deploysSbtc: boolean): void {
  io.out(`client configuration:`);
  io.out(`${ENV.network}=${network}`);
  io.out(`${ENV.contract}=${wiring.contract}`);
  io.out(`${ENV.sbtc}=${wiring.sbtc}`);
  if (!deploysSbtc) {
    // the channel contract names no token: channels in sBTC use whatever token principal
    // the client passes to create-channel, which is this configuration's BITSTREAM_SBTC
    io.out(`(sBTC is not deployed on ${network}: channels in sBTC use the real token above)`);
  }
}

async function run(argv: readonly string[], env: Env, io: CliIo, deps: CliDeps): Promise<number> {
  const flags = parseFlags(argv);
  if (flags === 'help') {
    io.out(USAGE);
    return 0;
  }
  // the guard comes before the key, the configuration and any I/O
  if (flags.network === 'mainnet' && !flags.dryRun && !flags.mainnetConfirmed) {
    throw new DeployError('DEPLOY_MAINNET_NOT_CONFIRMED', `deploying to mainnet spends real STX: add --${MAINNET_FLAG} if you mean it`);
  }
  const key = DeployerKey.fromEnv(env);
  const envNetwork = env[ENV.network];
  if (envNetwork !== undefined && envNetwork !== '' && envNetwork !== flags.network) {
    throw new DeployError('DEPLOY_USAGE', `${ENV.network}=${envNetwork} disagrees with --network ${flags.network}: the other BITSTREAM_* values may be for that network`);
  }
  const config = loadConfig({ ...env, [ENV.network]: flags.network });
  const plan = await loadPlan(flags.manifest, flags.network);
  const deployer = key.address(config.stacksNetwork);
  const deploysSbtc = plan.steps.some((s) => s.name === 'sbtc-token');
  printPlan(io, plan, config, deployer, flags);
  if (flags.dryRun) {
    printWiring(io, flags.network, wiringOf(plan, config, deployer), deploysSbtc);
    return 0;
  }
  const api = (deps.makeApi ?? ((c) => httpApi(c.apiUrl, { timeoutMs: c.limits.httpTimeoutMs })))(config);
  const result = await deployPlan({ plan, config, key, api, fee: flags.fee, log: (line) => io.out(`  ${line}`), clock: deps.clock });
  io.out(`deployed on ${result.network}:`);
  for (const c of result.contracts) io.out(`  ${c.principal}  ${c.status === 'deployed' ? `txid 0x${c.txid}` : 'already deployed'}`);
  printWiring(io, flags.network, result.wiring, deploysSbtc);
  return 0;
}

/** Run the deploy command; resolves to the process exit code (0 ok, 1 refused or failed). */
export async function runDeployCli(argv: readonly string[], env: Env, io: CliIo, deps: CliDeps = {}): Promise<number> {
  try {
    return await run(argv, env, io, deps);
  } catch (e) {
    if (e instanceof BitStreamError) {
      io.err(`deploy: ${e.code}: ${e.message}`);
      if (e.code === 'DEPLOY_USAGE') io.err(USAGE);
      return 1;
    }
    throw e;
  }
}
