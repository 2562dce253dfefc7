// The simnet's only writer. Every state change the local chain makes — a fee, a
// contract call, an STX transfer, a deploy, empty blocks — goes through `apply`, which
// runs it on the simnet and records it. The simnet commits each call at once and has
// no snapshot, so undoing a transaction (one whose post-conditions failed) means
// replacing its entry with an empty block and replaying the journal on a fresh session
// (`rebuild`). Replay is deterministic (block heights and block times follow the
// journal), and `rebuild` checks every replayed result against the recorded one.
// It must not decide anything: what to run and what to undo is the producer's call.
import type { Simnet } from '@stacks/clarinet-sdk';
import { serializeCV, type ClarityValue } from '@stacks/transactions';
import { LocalChainError } from './errors.js';
import type { ChainEvent } from './post-conditions.js';

export type JournalOp =
  | { readonly op: 'fee'; readonly sender: string; readonly amount: bigint }
  | { readonly op: 'call'; readonly contract: string; readonly fn: string; readonly args: readonly ClarityValue[]; readonly sender: string }
  | { readonly op: 'transfer'; readonly amount: bigint; readonly recipient: string; readonly sender: string }
  | { readonly op: 'deploy'; readonly name: string; readonly source: string; readonly clarityVersion: number | null; readonly sender: string }
  | { readonly op: 'void' } // one Stacks block whose transaction was undone
  | { readonly op: 'stacks-blocks'; readonly count: number }
  | { readonly op: 'burn-blocks'; readonly count: number };

/** What one operation did: its result, or the error the VM raised (the block still counts). */
export interface Execution {
  readonly result: ClarityValue | null;
  readonly events: readonly ChainEvent[];
  /** the simnet's error message when the VM refused the operation (runtime error, bad deploy) */
  readonly vmError: string | null;
}

/** One Stacks block as the block views show it: its height, the burn height it is anchored at, its time. */
export interface BlockInfo {
  readonly height: number;
  readonly burnHeight: number;
  /** unix seconds */
  readonly time: number;
}

interface Entry {
  op: JournalOp;
  outcome: string; // result hex or error text, to detect a diverging replay
}

export class Journal {
  private readonly entries: Entry[] = [];
  /** every Stacks block so far, by height (replay keeps heights, so an undo changes none) */
  private readonly log: BlockInfo[] = [];

  constructor(
    readonly simnet: Simnet,
    private readonly manifestPath: string,
    private readonly cwd: string = process.cwd(),
  ) {}

  /** Start from genesis: a fresh session, so the journal is the whole history. */
  async reset(): Promise<void> {
    await this.simnet.initSession(this.cwd, this.manifestPath);
    this.entries.length = 0;
    this.log.length = 0;
  }

  /** Every Stacks block, oldest first (the blocks before the journal began, at the heights the session started with). */
  blocks(): readonly BlockInfo[] {
    this.fillTo(this.simnet.blockHeight, this.simnet.burnBlockHeight, 0);
    return this.log;
  }

  /** Record blocks up to `height`, anchored at `burn` (or counting up to it when the burn height moved with them). */
  private fillTo(height: number, burn: number, burnMoved: number): void {
    const from = this.log.length;
    const added = height + 1 - from;
    for (let h = from; h <= height; h++) {
      const b = burnMoved === added ? burn - (height - h) : burn;
      this.log.push({ height: h, burnHeight: Math.max(0, b), time: Number(this.simnet.getBlockTime()) });
    }
  }

  get length(): number {
    return this.entries.length;
  }

  /** Run `op` on the simnet and record it. Returns its index and what it did. */
  apply(op: JournalOp): { index: number; execution: Execution } {
    this.fillTo(this.simnet.blockHeight, this.simnet.burnBlockHeight, 0);
    const burnBefore = this.simnet.burnBlockHeight;
    const execution = run(this.simnet, op);
    this.fillTo(this.simnet.blockHeight, this.simnet.burnBlockHeight, this.simnet.burnBlockHeight - burnBefore);
    const last = this.entries[this.entries.length - 1];
    if (op.op === 'burn-blocks' && last?.op.op === 'burn-blocks') {
      // the burn-block clock ticks all day: one entry per run of ticks keeps replay short
      last.op = { op: 'burn-blocks', count: last.op.count + op.count };
    } else {
      this.entries.push({ op, outcome: outcomeOf(execution) });
    }
    return { index: this.entries.length - 1, execution };
  }

  /**
   * Undo the operation at `index` (it becomes an empty block, so heights stay as they
   * were) by replaying everything on a fresh session.
   */
  async undo(index: number): Promise<void> {
    const entry = this.entries[index];
    if (entry === undefined) throw new RangeError(`no journal entry ${index}`);
    entry.op = { op: 'void' };
    entry.outcome = 'block';
    await this.rebuild();
  }

  /** Replay the journal on a fresh session; throws if any result differs from before. */
  async rebuild(): Promise<void> {
    const before = { stacks: this.simnet.blockHeight, burn: this.simnet.burnBlockHeight };
    await this.simnet.initSession(this.cwd, this.manifestPath);
    for (const [i, entry] of this.entries.entries()) {
      const outcome = outcomeOf(run(this.simnet, entry.op));
      if (outcome !== entry.outcome) {
        throw new LocalChainError('LOCALCHAIN_REPLAY_DIVERGED', `replaying journal entry ${i} (${entry.op.op}) gave ${outcome}, not ${entry.outcome}`, {
          details: { index: i, op: entry.op.op },
        });
      }
    }
    const after = { stacks: this.simnet.blockHeight, burn: this.simnet.burnBlockHeight };
    if (after.stacks !== before.stacks || after.burn !== before.burn) {
      throw new LocalChainError('LOCALCHAIN_REPLAY_DIVERGED', `replay reached heights ${after.stacks}/${after.burn}, not ${before.stacks}/${before.burn}`);
    }
  }
}

function run(simnet: Simnet, op: JournalOp): Execution {
  switch (op.op) {
    case 'fee':
      return guarded(() => burnAs(simnet, op.sender, op.amount));
    case 'call':
      return guarded(() => simnet.callPublicFn(op.contract, op.fn, [...op.args], op.sender));
    case 'transfer':
      return guarded(() => simnet.transferSTX(op.amount, op.recipient, op.sender));
    case 'deploy':
      return guarded(() =>
        simnet.deployContract(op.name, op.source, op.clarityVersion === null ? null : { clarityVersion: clarityVersion(op.clarityVersion) }, op.sender),
      );
    case 'void':
      simnet.mineEmptyStacksBlock();
      return { result: null, events: [], vmError: null };
    case 'stacks-blocks':
      simnet.mineEmptyStacksBlocks(op.count);
      return { result: null, events: [], vmError: null };
    case 'burn-blocks':
      simnet.mineEmptyBurnBlocks(op.count);
      return { result: null, events: [], vmError: null };
  }
}

/**
 * Burn a fee out of `sender`'s STX. Fees leave circulation here (a node pays them to
 * miners, of whom the local chain has none); `stx-burn?` in a snippet moves no block.
 */
function burnAs(simnet: Simnet, sender: string, amount: bigint) {
  simnet.executeCommand(`::set_tx_sender ${sender}`);
  try {
    return simnet.execute(`(stx-burn? u${amount} tx-sender)`);
  } finally {
    simnet.executeCommand(`::set_tx_sender ${simnet.deployer}`);
  }
}

function guarded(fn: () => { result: ClarityValue; events: readonly ChainEvent[] }): Execution {
  try {
    const r = fn();
    return { result: r.result, events: r.events, vmError: null };
  } catch (e) {
    // The simnet throws for what a node mines as a failed transaction (runtime error,
    // a deploy that does not analyse); the block was produced all the same.
    return { result: null, events: [], vmError: e instanceof Error ? e.message : String(e) };
  }
}

function outcomeOf(e: Execution): string {
  if (e.result !== null) return serializeCV(e.result);
  return e.vmError === null ? 'block' : `error:${e.vmError}`;
}

function clarityVersion(v: number): 1 | 2 | 3 | 4 {
  if (v === 1 || v === 2 || v === 3 || v === 4) return v;
  throw new RangeError(`Clarity version ${v} is not supported by the simnet`);
}
