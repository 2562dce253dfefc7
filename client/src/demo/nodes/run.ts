// runNodeDemo: the story between BitStream node processes — what `npm run demo` runs.
// The local chain runs here (in this process, over HTTP on 127.0.0.1, mining on a clock);
// Alice, Bob and Carol each run `bitstream node start` in their own process; the story
// drives them only through their HTTP APIs, as an operator or an app would. Each step
// checks its outcome against the plan; the outcome says which failed and why (never
// throws for a failed step). It owns everything it starts: chain, processes, data dirs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningChain } from '../../localchain/index.js';
import { checkAccounts, DEPLOYER, PARTIES } from '../accounts.js';
import { DemoChain } from '../chain-client.js';
import { withDeadline } from '../deadline.js';
import { bootChain, narratorFor } from '../boot.js';
import { checkDemoOptions, type DemoOptions } from '../options.js';
import { describe, type DemoFailure, type StepReport } from '../outcome.js';
import { faucet } from '../setup.js';
import { CONTRACTS } from '../world.js';
import { Cast, type NodeWorld } from './cast.js';
import { nodePlanFor } from './plan.js';
import { staleCloseAndPenalty, type DisputeFigures } from './step-dispute.js';
import { forceClose } from './step-force-close.js';
import { invoiceThroughBob } from './step-invoice.js';
import { bobRates, swapWithBob } from './step-swap.js';
import { openChannels } from './step-open.js';
import { streamPayments, type NodeStreamFigures } from './step-stream.js';
import { withdrawAndClose } from './step-withdraw-close.js';
import { checkNodeSummary, ledger, renderNodeSummary, summarizeNodes, type NodeSummary } from './summary.js';

export const NODE_STEP_TITLES = [
  "Alice's node opens STX and sBTC channels with Bob's; Bob funds his side",
  "Alice streams payments to Bob through her node's API, then pays per call for Bob's paid API (x402)",
  "Carol's invoice: Alice's node pays it through Bob's; Alice swaps STX for sBTC with Bob",
  'Alice withdraws from the STX channel; the sBTC channel closes cooperatively',
  "Alice goes offline; Bob force-closes from a stale backup; Alice's standalone watchtower challenges",
  'Bob force-closes with Carol offline; resolved after the window',
  'Summary: on-chain balances against the signed states',
] as const;

export interface NodeDemoOutcome {
  readonly ok: boolean;
  readonly failure: DemoFailure | null;
  readonly steps: readonly StepReport[];
  readonly stream: NodeStreamFigures | null;
  readonly dispute: DisputeFigures | null;
  readonly summary: NodeSummary | null;
  readonly chainUrl: string | null;
  readonly bootMs: number;
  readonly totalMs: number;
}

/** Blocks on a clock, so the nodes' confirmations and the dispute window pass by themselves. */
const BLOCK_MS = 50;
const BURN_MS = 150;

export async function runNodeDemo(options: DemoOptions = {}): Promise<NodeDemoOutcome> {
  const o = checkDemoOptions(options);
  const started = performance.now();
  const say = narratorFor(options, o.quiet);
  const plan = nodePlanFor(o.payments);
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-node-demo-'));
  const steps: StepReport[] = [];
  let running: RunningChain | null = null;
  let cast: Cast | null = null;
  let current = 'boot';
  let stream: NodeStreamFigures | null = null;
  let dispute: DisputeFigures | null = null;
  let summary: NodeSummary | null = null;
  let failure: DemoFailure | null = null;
  let bootMs = 0;

  // the simnet's WASM prints every contract print with console.log; the narration says what happened
  const consoleLog = console.log;
  console.log = () => undefined;
  try {
    running = await bootChain(options, o.port, { blockMs: BLOCK_MS, burnMs: BURN_MS });
    checkAccounts(running.chain.simnet.getAccounts());
    const chain = new DemoChain(running.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
    const c = new Cast(running.url, dir, bobRates(plan));
    cast = c;
    say.line(`BitStream demo between node processes: local chain at ${running.url}, ${o.payments.toLocaleString('en-US')} payments`);
    const tower = await c.startTower();
    await Promise.all((['alice', 'bob', 'carol'] as const).map((n) => c.start(n)));
    bootMs = performance.now() - started;
    say.line(`three nodes and a watchtower up in ${(bootMs / 1000).toFixed(1)} s (chain and nodes), each its own process: ${(['alice', 'bob', 'carol'] as const).map((n) => `${PARTIES[n].label} ${c.node(n).apiUrl}`).join(', ')}; Alice's tower ${tower.url}`);
    const w: NodeWorld = { chain, chainUrl: running.url, plan, say, cast: c };

    current = 'setup';
    await chain.submitAll([[faucet(plan.faucetSbtc, PARTIES.alice.address), DEPLOYER], [faucet(plan.faucetSbtc, PARTIES.bob.address), DEPLOYER]]);
    const before = await ledger(chain);

    const step = async <T>(index: number, fn: () => Promise<T>): Promise<T> => {
      const title = NODE_STEP_TITLES[index - 1]!;
      current = title;
      say.step(index, NODE_STEP_TITLES.length, title);
      const t = performance.now();
      const value = await withDeadline(title, 90_000 + o.payments * 5, fn());
      steps.push({ title, status: 'ok', ms: performance.now() - t });
      return value;
    };

    const ch = await step(1, () => openChannels(w));
    stream = await step(2, () => streamPayments(w, ch));
    const bobCarol = await step(3, async () => {
      const id = await invoiceThroughBob(w, ch);
      await swapWithBob(w, ch);
      return id;
    });
    await step(4, () => withdrawAndClose(w, ch));
    dispute = await step(5, () => staleCloseAndPenalty(w, ch));
    await step(6, () => forceClose(w, bobCarol));
    summary = await step(7, async () => {
      // the nodes' last resolves are mined; the chain's record is the judge
      const s = await summarizeNodes(running!.url, plan, before, await ledger(chain));
      say.out(`\n${renderNodeSummary(s)}`);
      checkNodeSummary(s);
      return s;
    });
  } catch (e) {
    failure = describe(current, e);
    if (steps.length < NODE_STEP_TITLES.length && current !== 'boot' && current !== 'setup') steps.push({ title: current, status: 'failed', ms: 0 });
  } finally {
    await cast?.stopAll();
    await running?.stop();
    console.log = consoleLog;
    rmSync(dir, { recursive: true, force: true });
  }
  for (const title of NODE_STEP_TITLES.slice(steps.length)) steps.push({ title, status: 'skipped', ms: 0 });
  const totalMs = performance.now() - started;
  if (failure === null) {
    say.line(`all in ${(totalMs / 1000).toFixed(1)} s: ${steps.map((s, i) => `step ${i + 1} ${(s.ms / 1000).toFixed(1)} s`).join(', ')}`);
    say.line('`npm run demo -- --library` runs the story between library channels in one process');
  } else {
    say.line(`FAILED in "${failure.step}": ${failure.code}: ${failure.message}`);
  }
  return { ok: failure === null, failure, steps, stream, dispute, summary, chainUrl: running?.url ?? null, bootMs, totalMs };
}
