// A BitStream node as its own process, as a user runs it: `bitstream node start` (the
// package bin), configured by environment, on loopback ports it prints at start, and
// a small client for its HTTP API; and a standalone watchtower the same way. The node
// demo and the multi-process tests start nodes through this; neither reaches into a node
// other than through its API.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'bitstream.mjs');

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

export interface NodeProcess {
  readonly proc: ChildProcess;
  readonly apiUrl: string;
  readonly peerUrl: string;
  readonly token: string;
  readonly dataDir: string;
  readonly principal: string;
  /** stdout and stderr so far, for failure messages */
  output(): string;
  api<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<ApiAnswer<T>>;
  /** resolves with the exit code once the process has ended */
  readonly exited: Promise<number | null>;
}

export interface NodeEnv {
  readonly chainUrl: string;
  readonly dataDir: string;
  /** hex private key */
  readonly key: string;
  readonly token: string;
  /** more environment, over the defaults below (e.g. a fixed BITSTREAM_PEER_PORT) */
  readonly extra?: Record<string, string>;
}

/** The environment of a node on loopback, ephemeral ports, a fast poll and the demo's 6-block window. */
export function envOf(o: NodeEnv): Record<string, string> {
  return {
    ...process.env as Record<string, string>,
    BITSTREAM_API_URL: o.chainUrl, BITSTREAM_DATA_DIR: o.dataDir, BITSTREAM_NODE_KEY: o.key, BITSTREAM_API_TOKEN: o.token,
    BITSTREAM_PEER_PORT: '0', BITSTREAM_API_PORT: '0', BITSTREAM_POLL_MS: '50', BITSTREAM_LOG_LEVEL: 'warn', BITSTREAM_WINDOW: '6',
    ...o.extra,
  };
}

/**
 * Run the bin with `args` and `env` until its output holds what `ready` finds (it returns
 * null until then); rejects with the output if the process exits first.
 */
function startBin<T>(what: string, args: readonly string[], env: Record<string, string>, ready: (out: string, started: Started) => T | null): Promise<T> {
  const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const started: Started = { proc, exited, output: () => out };
  return new Promise((resolve, reject) => {
    const check = () => {
      const v = ready(out, started);
      if (v === null) return;
      proc.stdout!.off('data', check);
      resolve(v);
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`${what} exited (${code}) before it started:\n${out}`)));
  });
}

interface Started {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Start a node process; resolves once it printed its addresses (rejects with its output if it exits first). */
export function startNode(o: NodeEnv): Promise<NodeProcess> {
  return startBin('node', ['node', 'start'], envOf(o), (out, started) => {
    const peer = /peers connect to (ws:\/\/\S+)/.exec(out)?.[1];
    const api = /API at (http:\/\/\S+)/.exec(out)?.[1];
    const principal = /BitStream node (S\w+)/.exec(out)?.[1];
    if (peer === undefined || api === undefined || principal === undefined) return null;
    return {
      ...started, apiUrl: api, peerUrl: peer, token: o.token, dataDir: o.dataDir, principal,
      api: <T>(method: 'GET' | 'POST', path: string, body?: unknown, token = o.token) => callApi<T>(api, method, path, body, token),
    };
  });
}

export interface TowerProcess extends Started {
  readonly url: string;
  readonly principal: string;
}

/** A standalone watchtower process (`bitstream tower start`) on an ephemeral loopback port. */
export function startTower(o: { chainUrl: string; dataDir: string; key: string; extra?: Record<string, string> }): Promise<TowerProcess> {
  const env = {
    ...process.env as Record<string, string>, BITSTREAM_API_URL: o.chainUrl, BITSTREAM_DATA_DIR: o.dataDir, BITSTREAM_NODE_KEY: o.key,
    BITSTREAM_TOWER_PORT: '0', BITSTREAM_POLL_MS: '50', BITSTREAM_LOG_LEVEL: 'warn', BITSTREAM_WINDOW: '6', ...o.extra,
  };
  return startBin('the tower', ['tower', 'start'], env, (out, started) => {
    const url = /clients upload at (http:\/\/\S+)\/v1\/states/.exec(out)?.[1];
    const principal = /BitStream tower (S\w+)/.exec(out)?.[1];
    return url === undefined || principal === undefined ? null : { ...started, url, principal };
  });
}

/** Stop a node as its operator would (SIGTERM: it finishes what it writes and exits). */
export async function stopNode(n: Pick<NodeProcess, 'proc' | 'exited'>): Promise<void> {
  if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGTERM');
  await n.exited;
}

async function callApi<T>(base: string, method: 'GET' | 'POST', path: string, body: unknown, token: string): Promise<ApiAnswer<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token === '' ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

/** The fees a node paid: of every transaction it sent that was mined (a dropped one was never charged). */
export async function feesPaid(n: Pick<NodeProcess, 'api'>): Promise<bigint> {
  const txs = (await n.api<{ fee: string; status: string }[]>('GET', '/v1/transactions')).body;
  return txs.filter((t) => t.status !== 'pending' && !t.status.startsWith('dropped')).reduce((s, t) => s + BigInt(t.fee), 0n);
}
