// runDemo: the whole story, offline, against an embedded local chain on 127.0.0.1 —
// boot, fund from the faucet, then the seven steps in order, each checking its own
// outcome against the protocol. Returns an outcome object (never throws for a failed
// step: the outcome says which step failed and why); the CLI turns it into an exit
// code. It owns the lifetime of everything it starts: the chain, the stores' temp
// directory, the channel objects.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../crypto/select.js';
import type { RunningChain } from '../localchain/index.js';
import { checkAccounts, PARTIES } from './accounts.js';
import { DemoChain } from './chain-client.js';
import { withDeadline } from './deadline.js';
import { fmtStx } from './format.js';
import { snapshot } from './ledger.js';
import type { Link } from './link.js';
import { bootChain, narratorFor } from './boot.js';
import { PartyNode } from './node.js';
import { checkDemoOptions, type DemoOptions } from './options.js';
import { planFor } from './plan.js';
import { fundFromFaucet } from './setup.js';
import { cooperativeClose, emergencyClose } from './step-close.js';
import { staleCloseAndPenalty } from './step-dispute.js';
import { multiHop } from './step-multihop.js';
import { openChannels } from './step-open.js';
import { streamPayments, type StreamFigures } from './step-stream.js';
import { atomicSwap } from './step-swap.js';
import { describe, type DemoFailure, type DemoOutcome, type StepReport } from './outcome.js';
import { checkSummary, renderSummary, summarize, type Summary } from './summary.js';
import { CONTRACTS, type World } from './world.js';

export const STEP_TITLES = [
  'Alice opens STX and sBTC channels with Bob; Bob funds his side',
  'Alice streams payments to Bob off-chain',
  'Multi-hop HTLC payment Alice → Bob → Carol',
  'Atomic STX ⇄ sBTC swap between Alice and Bob',
  "Bob closes with a stale state; Alice's watchtower challenges",
  'Cooperative close (sBTC) and emergency close (Bob–Carol)',
  'Summary and conservation check',
] as const;

export async function runDemo(options: DemoOptions = {}): Promise<DemoOutcome> {
  const o = checkDemoOptions(options);
  const started = performance.now();
  const say = narratorFor(options, o.quiet);
  const plan = planFor(o.payments);
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-demo-'));
  const links: Link[] = [];
  const nodes: PartyNode[] = [];
  const steps: StepReport[] = [];
  let running: RunningChain | null = null;
  let world: World | null = null;
  let current = 'boot';
  let stream: StreamFigures | null = null;
  let summary: Summary | null = null;
  let failure: DemoFailure | null = null;
  let bootMs = 0;
  let storyFrom = 0;
  let backendName: string | null = null;

  // The simnet's WASM writes every contract print with console.log; the narration
  // already says what each transaction did, so those lines are dropped while the chain runs.
  const consoleLog = console.log;
  console.log = () => undefined;
  try {
    // blocks and burn blocks only when the story asks (/dev/mine)
    running = await bootChain(options, o.port, { blockMs: 0, burnMs: 0 });
    bootMs = performance.now() - started;
    checkAccounts(running.chain.simnet.getAccounts());
    const backend = await selectBackend();
    backendName = backend.implementation;
    const [alice, bob, carol] = [PARTIES.alice, PARTIES.bob, PARTIES.carol].map((p) => new PartyNode(p, backend, dir)) as [PartyNode, PartyNode, PartyNode];
    nodes.push(alice, bob, carol);
    const chain = new DemoChain(running.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
    const w: World = { chain, plan, say, nodes: { alice, bob, carol } };
    world = w;
    say.line(`BitStream demo: local chain at ${running.url} (booted in ${(bootMs / 1000).toFixed(1)} s), ${o.payments.toLocaleString('en-US')} payments, signing with ${backend.implementation}`);

    current = 'setup';
    await fundFromFaucet(w);
    const before = await snapshot(w);
    storyFrom = chain.log.length;

    const step = async <T>(index: number, fn: () => Promise<T>): Promise<T> => {
      const title = STEP_TITLES[index - 1]!;
      current = title;
      say.step(index, STEP_TITLES.length, title);
      const t = performance.now();
      const value = await withDeadline(title, stepDeadlineMs(o.payments), fn());
      steps.push({ title, status: 'ok', ms: performance.now() - t });
      return value;
    };

    const { stx, sbtc } = await step(1, () => openChannels(w));
    links.push(stx, sbtc);
    stream = await step(2, () => streamPayments(w, stx));
    const bc = await step(3, () => multiHop(w, stx));
    links.push(bc);
    // Bob keeps a copy of his newest state from before the swap: the one he will cheat with
    const stale = stx.side(bob).latest;
    await step(4, () => atomicSwap(w, stx, sbtc));
    await step(5, () => staleCloseAndPenalty(w, stx, stale));
    await step(6, async () => {
      await cooperativeClose(w, sbtc);
      await emergencyClose(w, bc);
    });
    summary = await step(7, async () => {
      const s = summarize(w, before, await snapshot(w), chain.log.slice(storyFrom));
      say.out(`\n${renderSummary(s)}`);
      checkSummary(s);
      return s;
    });
  } catch (e) {
    failure = describe(current, e);
    if (steps.length < STEP_TITLES.length && current !== 'boot' && current !== 'setup') {
      steps.push({ title: current, status: 'failed', ms: 0 });
    }
  } finally {
    for (const l of links) l.close();
    for (const n of nodes) n.close();
    await running?.stop();
    console.log = consoleLog;
    rmSync(dir, { recursive: true, force: true });
  }
  for (const title of STEP_TITLES.slice(steps.length)) steps.push({ title, status: 'skipped', ms: 0 });

  const totalMs = performance.now() - started;
  const story = world?.chain.log.slice(storyFrom) ?? [];
  if (failure === null) {
    const fees = story.reduce((s, r) => s + r.fee, 0n);
    say.line(`${story.length} on-chain transactions (${fmtStx(fees)} STX in fees), ${(stream?.payments ?? 0).toLocaleString('en-US')} off-chain payments; all in ${(totalMs / 1000).toFixed(1)} s`);
    say.line(`timings: boot ${secs(bootMs)}, ${steps.map((s, i) => `step ${i + 1} ${secs(s.ms)}`).join(', ')}`);
  } else {
    say.line(`FAILED in "${failure.step}": ${failure.code}: ${failure.message}`);
  }
  return {
    ok: failure === null,
    failure,
    steps,
    stream,
    summary,
    transactions: story.map((r) => ({ functionName: r.functionName, sender: r.sender, txid: r.txid, fee: r.fee })),
    chainUrl: running?.url ?? null,
    backend: backendName,
    bootMs,
    totalMs,
  };
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A step that hangs (a peer that never answers) must fail the demo, not stall it. */
function stepDeadlineMs(payments: number): number {
  return 60_000 + payments * 2;
}
