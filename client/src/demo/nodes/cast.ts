// The node story's cast and what every step works with: Alice, Bob and Carol each run a
// BitStream node in its own process (`bitstream node start`), talking to each other over
// WebSockets and to the local chain over HTTP. The cast starts, stops and restarts
// them (Bob's node comes back on the same peer port, so Alice's node redials it), and
// keeps track of every process so the story can always end them. Alice's node gives her
// channels' newest states to a standalone watchtower the cast runs too, so it guards
// her while her node is offline. Only run.ts builds it.
import { join } from 'node:path';
import { PARTIES, TOWER_OPERATOR, type PartyName } from '../accounts.js';
import type { DemoChain } from '../chain-client.js';
import type { Narrator } from '../narrator.js';
import { startNode, startTower, stopNode, type ApiAnswer, type NodeProcess, type TowerProcess } from '../node-process.js';
import { DemoNodeError } from '../errors.js';
import type { NodePlan } from './plan.js';

const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');

export interface NodeWorld {
  readonly chain: DemoChain;
  readonly chainUrl: string;
  readonly plan: NodePlan;
  readonly say: Narrator;
  readonly cast: Cast;
}

export class Cast {
  private readonly running = new Map<PartyName, NodeProcess>();
  private readonly all: NodeProcess[] = [];
  private readonly ports = new Map<PartyName, number>();
  private guard: TowerProcess | null = null;

  /** `bobRates`: the swaps Bob's node makes (BITSTREAM_SWAP_RATES) */
  constructor(private readonly chainUrl: string, private readonly dir: string, private readonly bobRates: string) {}

  /** Start Alice's standalone watchtower (before her node: the node is told its URL). */
  async startTower(): Promise<TowerProcess> {
    this.guard = await startTower({ chainUrl: this.chainUrl, dataDir: join(this.dir, 'tower'), key: hex(TOWER_OPERATOR.privateKey) });
    return this.guard;
  }

  /** Alice's watchtower. */
  get tower(): TowerProcess {
    if (this.guard === null) throw new DemoNodeError('cast', "Alice's watchtower is not running");
    return this.guard;
  }

  /** Start `name`'s node on its data directory (or `dataDir`), on a fixed peer port once it has had one. */
  async start(name: PartyName, o: { dataDir?: string; ephemeralPort?: boolean } = {}): Promise<NodeProcess> {
    const port = o.ephemeralPort === true ? 0 : this.ports.get(name) ?? 0;
    const n = await startNode({
      chainUrl: this.chainUrl,
      dataDir: o.dataDir ?? this.dataDir(name),
      key: hex(PARTIES[name].privateKey),
      token: `${name}-demo-token`,
      // a payer's margin over the payee's expiry need: the demo's tenures are 150 ms
      extra: {
        BITSTREAM_PEER_PORT: String(port), BITSTREAM_INVOICE_MARGIN: '20',
        ...(name === 'alice' && this.guard !== null ? { BITSTREAM_TOWERS: this.guard.url } : {}),
        ...(name === 'bob' ? { BITSTREAM_SWAP_RATES: this.bobRates } : {}),
      },
    });
    this.all.push(n);
    this.running.set(name, n);
    if (o.ephemeralPort !== true && !this.ports.has(name)) this.ports.set(name, Number(new URL(n.peerUrl).port));
    return n;
  }

  async stop(name: PartyName): Promise<void> {
    const n = this.running.get(name);
    if (n === undefined) return;
    this.running.delete(name);
    await stopNode(n);
  }

  /** `name`'s running node. */
  node(name: PartyName): NodeProcess {
    const n = this.running.get(name);
    if (n === undefined) throw new DemoNodeError('cast', `${PARTIES[name].label}'s node is not running`);
    return n;
  }

  dataDir(name: PartyName): string {
    return join(this.dir, name);
  }

  /** End every node this story started, however it went. */
  async stopAll(): Promise<void> {
    this.running.clear();
    await Promise.all([...this.all, ...(this.guard === null ? [] : [this.guard])].map((n) => stopNode(n)));
  }
}

/** A node API call that must succeed: its body, or a DemoNodeError with the node's error. */
export async function must<T>(step: string, what: string, answer: Promise<ApiAnswer<T>>): Promise<T> {
  const r = await answer;
  if (r.status < 200 || r.status >= 300) {
    const e = (r.body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new DemoNodeError(step, `${what}: HTTP ${r.status} ${e?.code ?? ''} ${e?.message ?? ''}`.trim());
  }
  return r.body;
}

/** Poll `read` until `done` holds (every 100 ms, up to `ms`). */
export async function until<T>(step: string, what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new DemoNodeError(step, `${what}: still ${JSON.stringify(v)} after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
