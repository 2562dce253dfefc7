// Runs @stacks/rendezvous 0.12 on the `bitstream` contract, steered (steer.ts).
//
// It does what the `rv` CLI does (app.js: rendezvous's own simnet, with bitstream.clar
// and contracts/bitstream.tests.clar deployed together as `bitstream`; `bitstream-2`
// stays the plain contract), deploys the test-only fixtures the steering uses (a token
// that refuses payouts to blocked recipients, an intermediary contract), funds every
// account with the three test tokens and hands rendezvous the steered simnet: the
// invariant loop (random sequences of public calls, random callers and burn blocks,
// then one invariant-* check) or the property loop (test-* functions with random
// arguments).
//
// Owns: the run's options (RV_RUNS, RV_SEED, RV_BAIL, RV_VERBOSE, RV_PROJECT) and its
// summary.
// Must not: touch the vitest global `simnet`; it builds and drives its own.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Simnet } from '@stacks/clarinet-sdk';
import { Cl, cvToValue } from '@stacks/transactions';
import { issueFirstClassCitizenship } from '@stacks/rendezvous/dist/citizen.js';
import { checkInvariants } from '@stacks/rendezvous/dist/invariant.js';
import { checkProperties } from '@stacks/rendezvous/dist/property.js';
import {
  getContractNameFromContractId,
  getFunctionsFromContractInterfaces,
  getSimnetDeployerContractsInterfaces,
} from '@stacks/rendezvous/dist/shared.js';
import { CHANNEL, REFUSING_TOKEN, SBTC, TEST_TOKEN, fixtureSource } from '../contracts/helpers.js';
import { FIXTURES, Steering, sortedAccounts, type SteerReport } from './steer.js';

export const TARGET = 'bitstream';
export type Mode = 'invariant' | 'test';
/** CI replays one fixed run; RV_SEED picks another. */
export const DEFAULT_SEED = 20261123;
/** Runs per mode in CI: an invariant run is a whole call sequence, a property run one call. */
export const DEFAULT_RUNS: Record<Mode, number> = { invariant: 100, test: 300 };
/** What each account gets of each test token, so token channels can open and fund. */
const TOKEN_FUNDING = 1_000_000_000_000n;

export interface RunOptions {
  readonly mode: Mode;
  readonly runs: number;
  readonly seed: number;
  /** stop at the first failure instead of shrinking (shrinking replays on a dirty chain) */
  readonly bail: boolean;
  /** print rendezvous's line per call */
  readonly verbose: boolean;
  /** the Clarinet project to fuzz: this one, or a patched copy (to check a mutant is caught) */
  readonly project: string;
}

export interface RunSummary {
  readonly options: RunOptions;
  /** the contract ids rendezvous targeted (must be exactly deployer.bitstream) */
  readonly targets: string[];
  /** runs rendezvous reported as passed (0 when it failed) */
  readonly runsPassed: number;
  readonly seconds: number;
  /** rendezvous's failure report, line by line (empty when it passed) */
  readonly failure: string[];
  /** the last calls before the end of the run, for a failure's context */
  readonly lastCalls: string[];
  readonly steering: SteerReport;
  /** bitstream's channel-count and the ghost list's length at the end */
  readonly channelCount: bigint;
  readonly tracked: number;
}

export function optionsFromEnv(mode: Mode): RunOptions {
  const int = (name: string, fallback: number) => {
    const v = process.env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  return {
    mode,
    runs: int('RV_RUNS', DEFAULT_RUNS[mode]),
    seed: int('RV_SEED', DEFAULT_SEED),
    bail: process.env['RV_BAIL'] !== '0',
    verbose: process.env['RV_VERBOSE'] === '1',
    project: process.env['RV_PROJECT'] || '.',
  };
}

export async function runRendezvous(options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const simnet = await issueFirstClassCitizenship(
    options.project, join(options.project, 'Clarinet.toml'), { enabled: false }, TARGET);
  const interfaces = getSimnetDeployerContractsInterfaces(simnet);
  // as app.js does: the target is picked by exact contract name, so bitstream-2 is not one
  const targets = [...interfaces.keys()].filter((id) => getContractNameFromContractId(id) === TARGET);
  const functions = getFunctionsFromContractInterfaces(new Map([...interfaces].filter(([id]) => targets.includes(id))));
  const accounts = [...sortedAccounts(simnet).entries()].filter(([name]) => name !== 'faucet').map(([, address]) => address);

  const failure: string[] = [];
  const lastCalls: string[] = [];
  let runsPassed = 0;
  const log = (line: string) => {
    if (options.verbose) console.log(line);
    const passed = /passed after (\d+) runs/.exec(line);
    if (passed) runsPassed = Number(passed[1]);
    // keep the calls that led to a failure, not the statistics printed after it
    if (failure.length > 0) return;
    lastCalls.push(line);
    if (lastCalls.length > 60) lastCalls.shift();
  };

  deployFixtures(simnet, options.project);
  fundAccounts(simnet, accounts);
  const steering = new Steering(simnet, accounts, log);
  steering.observeHoldings();

  const radio = new EventEmitter();
  radio.on('logMessage', log);
  radio.on('logFailure', (line: string) => failure.push(line));

  const steered = steering.wrap();
  // rendezvous runs synchronously from start to end (its async property never yields
  // to the event loop), so nothing may wait on vitest's worker RPC meanwhile: the
  // simnet's log line per print event would (vitest drops them anyway). Muted unless
  // RV_VERBOSE, so long runs cannot time the RPC out.
  const log0 = console.log;
  if (!options.verbose) console.log = () => {};
  try {
    if (options.mode === 'invariant') {
      await checkInvariants(steered, TARGET, targets, functions, options.seed, options.runs, options.bail, undefined, radio);
    } else {
      checkProperties(steered, TARGET, targets, functions, options.seed, options.runs, options.bail, radio);
    }
  } finally {
    console.log = log0;
  }

  return {
    options,
    targets,
    runsPassed,
    seconds: (performance.now() - started) / 1000,
    failure,
    lastCalls: failure.length > 0 ? lastCalls : [],
    steering: steering.report,
    channelCount: BigInt(cvToValue(simnet.getDataVar(CHANNEL, 'channel-count')) as bigint),
    tracked: (simnet.getDataVar(CHANNEL, 'rv-tracked') as { value: unknown[] }).value.length,
  };
}

/** One line per outcome: what the steering sent and how the contract answered. */
export function describeRun(r: RunSummary): string {
  const o = r.options;
  const lines = [
    `rendezvous ${o.mode} on ${r.targets.join(', ')}: ${r.runsPassed}/${o.runs} runs passed, seed ${o.seed}, ` +
      `${r.seconds.toFixed(1)} s; ${r.channelCount} channels (${r.tracked} tracked), ${r.steering.invariantChecks} invariant checks`,
  ];
  const outcomes = [...r.steering.outcomes.entries()].sort(([a], [b]) => a.localeCompare(b));
  for (const [key, t] of outcomes) {
    const errors = [...t.errors].map(([code, n]) => `${code} x${n}`).join(', ');
    lines.push(`  ${key.padEnd(36)} ok ${String(t.ok).padStart(4)}  err ${String(t.err).padStart(4)}  ${errors}`);
  }
  if (r.steering.violations.length > 0) lines.push('violations:', ...r.steering.violations);
  if (r.failure.length > 0) lines.push('last calls:', ...r.lastCalls, 'failure:', ...r.failure);
  return lines.join('\n');
}

/** The steering's fixtures, from tests/contracts/fixtures/ (rendezvous sees them as project contracts: they implement sip-010). */
function deployFixtures(simnet: Simnet, project: string): void {
  for (const name of FIXTURES) {
    const source = fixtureSource(name, project);
    const r = simnet.deployContract(name, source, { clarityVersion: 4 }, simnet.deployer);
    if (r.result.type !== 'true') throw new Error(`could not deploy ${name}`);
  }
}

function fundAccounts(simnet: Simnet, accounts: readonly string[]): void {
  for (const token of [TEST_TOKEN, SBTC, REFUSING_TOKEN]) {
    for (const who of accounts) {
      const r = simnet.callPublicFn(token, 'faucet', [Cl.uint(TOKEN_FUNDING), Cl.principal(who)], who);
      if (r.result.type !== 'ok') throw new Error(`could not fund ${who} with ${token}`);
    }
  }
}
