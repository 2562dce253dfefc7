// Block production: turns waiting transactions into mined ones. Each transaction is one
// Stacks block (the simnet mines a block per call): the fee is taken first, then the
// payload runs; its asset events are judged against its post-conditions, and a
// transaction that fails them is undone (journal replay without it) and recorded as
// `abort_by_post_condition`: it keeps its block, its nonce and its fee, as on a node,
// and changes nothing else. Also mines empty Stacks and burn blocks on demand.
// It must not admit transactions (mempool.ts) or speak HTTP (routes.ts).
import { Cl, type ClarityValue } from '@stacks/transactions';
import type { Accounts } from './accounts.js';
import type { DecodedTx } from './decode-tx.js';
import type { Journal, JournalOp } from './journal.js';
import type { Mempool, PendingTx } from './mempool.js';
import { AssetMap, checkPostConditions, type ChainEvent } from '../chain/post-condition-check.js';

export type MinedStatus = 'success' | 'abort_by_response' | 'abort_by_post_condition' | 'dropped_problematic';

export interface MinedTx {
  readonly tx: DecodedTx;
  readonly receivedAt: number;
  readonly status: MinedStatus;
  /** the payload's value: the call's response, `(ok true)` for a deploy or transfer; null if the VM raised an error */
  readonly result: ClarityValue | null;
  /** asset and print events of a committed execution (none once undone or aborted) */
  readonly events: readonly ChainEvent[];
  /** why the VM or the post-conditions refused it */
  readonly vmError: string | null;
  readonly blockHeight: number;
  readonly burnBlockHeight: number;
  readonly blockTime: number;
}

export class BlockProducer {
  private readonly mined = new Map<string, MinedTx>();

  constructor(
    private readonly journal: Journal,
    private readonly accounts: Accounts,
    private readonly mempool: Mempool,
  ) {}

  receipt(txid: string): MinedTx | undefined {
    return this.mined.get(txid);
  }

  /** Every mined (or dropped) transaction, in the order it was mined. */
  all(): readonly MinedTx[] {
    return [...this.mined.values()];
  }

  /** Mine every waiting transaction, oldest first, one block each. */
  async mineMempool(): Promise<MinedTx[]> {
    const out: MinedTx[] = [];
    const unpayable = new Set<string>();
    for (const pending of this.mempool.drain()) {
      // a transaction after an unpayable one of the same origin has a nonce gap now
      const receipt = unpayable.has(pending.tx.origin) ? this.drop(pending, 'an earlier transaction of this origin was dropped') : await this.mineOne(pending);
      if (receipt.status === 'dropped_problematic') unpayable.add(pending.tx.origin);
      this.mined.set(receipt.tx.txid, receipt);
      out.push(receipt);
    }
    return out;
  }

  mineStacksBlocks(count: number): void {
    if (count > 0) this.journal.apply({ op: 'stacks-blocks', count });
  }

  mineBurnBlocks(count: number): void {
    if (count > 0) this.journal.apply({ op: 'burn-blocks', count });
  }

  private async mineOne(pending: PendingTx): Promise<MinedTx> {
    const { tx } = pending;
    // What the origin spent since admission (a call's escrow, say) may leave the fee unpaid:
    // a node cannot include such a transaction, and neither do we.
    if (this.accounts.stx(tx.origin) < tx.fee) return this.drop(pending, 'the origin can no longer pay the fee');

    this.journal.apply({ op: 'fee', sender: tx.origin, amount: tx.fee });
    const { index, execution } = this.journal.apply(payloadOp(tx));
    this.accounts.mined(tx.origin, tx.fee);

    if (execution.result === null) {
      return this.record(pending, 'abort_by_response', null, [], execution.vmError);
    }
    const result = tx.payload.kind === 'contract_call' ? execution.result : Cl.ok(Cl.bool(true));
    if (tx.payload.kind === 'token_transfer') {
      // a node checks no post-conditions on transfers (the mempool refuses transfers that carry any)
      const ok = execution.result.type !== 'err';
      return this.record(pending, ok ? 'success' : 'abort_by_response', ok ? result : execution.result, ok ? execution.events : [], null);
    }

    const verdict = checkPostConditions(AssetMap.fromEvents(execution.events), tx.postConditions, tx.postConditionMode, tx.origin);
    if (!verdict.ok) {
      // An err response was already rolled back by the VM; anything else is committed
      // and must be undone.
      if (execution.result.type !== 'err') await this.journal.undo(index);
      return this.record(pending, 'abort_by_post_condition', execution.result, [], verdict.reason);
    }
    const status = execution.result.type === 'err' ? 'abort_by_response' : 'success';
    return this.record(pending, status, result, status === 'success' ? execution.events : [], null);
  }

  private record(pending: PendingTx, status: MinedStatus, result: ClarityValue | null, events: readonly ChainEvent[], vmError: string | null): MinedTx {
    const simnet = this.journal.simnet;
    return {
      tx: pending.tx,
      receivedAt: pending.receivedAt,
      status,
      result,
      events,
      vmError,
      blockHeight: simnet.blockHeight,
      burnBlockHeight: simnet.burnBlockHeight,
      blockTime: Number(simnet.getBlockTime()),
    };
  }

  private drop(pending: PendingTx, why: string): MinedTx {
    return { ...this.record(pending, 'dropped_problematic', null, [], why), blockHeight: 0, burnBlockHeight: 0 };
  }
}

function payloadOp(tx: DecodedTx): JournalOp {
  const p = tx.payload;
  switch (p.kind) {
    case 'token_transfer':
      return { op: 'transfer', amount: p.amount, recipient: p.recipient, sender: tx.origin };
    case 'contract_call':
      return { op: 'call', contract: p.contractId, fn: p.functionName, args: p.args, sender: tx.origin };
    case 'smart_contract':
      return { op: 'deploy', name: p.name, source: p.source, clarityVersion: p.clarityVersion, sender: tx.origin };
  }
}
