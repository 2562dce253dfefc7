// The mempool: admission of decoded transactions against chain state, in the node's
// order and vocabulary (nonce, fee, funds, then the payload: contract and function
// exist, arguments fit the ABI, a deploy's name is free), and the queue of admitted
// transactions waiting for a block. Nonces must be consecutive: a transaction carries
// exactly the origin's next nonce, counting its transactions already waiting here — or
// the nonce of one waiting, at a higher fee, which replaces it (replace-by-fee, as a
// Stacks node does; the replaced one reads as dropped_replace_by_fee). For tests of what
// a client does when the chain loses a transaction, `dropNext` makes the next admitted
// calls of a function vanish from the queue (dropped_stale_garbage_collect), as a node
// that evicted them would, and `holdNext` keeps the next ones waiting, unmined, until
// they are replaced (a transaction stuck at too low a fee), with every later transaction
// of the same origin waiting behind them. It reads the simnet and never writes to it
// (blocks are the producer's job).
import type { Simnet } from '@stacks/clarinet-sdk';
import { PostConditionType, validateContractCall, type ContractCallPayload, type ClarityAbi } from '@stacks/transactions';
import type { Accounts } from './accounts.js';
import type { DecodedTx } from './decode-tx.js';
import { MempoolRejection, u128Hex } from './errors.js';

/** Minimum fee rate of a node's mempool: 1 µSTX per byte of the transaction. */
export const MIN_FEE_RATE = 1n;

export interface PendingTx {
  readonly tx: DecodedTx;
  /** unix seconds, for the API's receipt_time */
  readonly receivedAt: number;
}

export type DropStatus = 'dropped_replace_by_fee' | 'dropped_stale_garbage_collect';

export class Mempool {
  private readonly queue: PendingTx[] = [];
  /** transactions that left the queue without being mined, by txid */
  private readonly gone = new Map<string, PendingTx & { readonly status: DropStatus }>();
  /** function name → how many of its next admitted calls to drop */
  private readonly toDrop = new Map<string, number>();
  /** function name → how many of its next admitted calls to hold; and the txids held */
  private readonly toHold = new Map<string, number>();
  private readonly held = new Set<string>();

  constructor(
    private readonly simnet: Simnet,
    private readonly accounts: Accounts,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  find(txid: string): PendingTx | undefined {
    return this.queue.find((p) => p.tx.txid === txid);
  }

  /** Every waiting transaction, oldest first. */
  all(): readonly PendingTx[] {
    return [...this.queue];
  }

  /** Transactions of `principal` waiting here. */
  pendingOf(principal: string): readonly PendingTx[] {
    return this.queue.filter((p) => p.tx.origin === principal);
  }

  /** A transaction that was admitted but will never be mined (replaced, or dropped). */
  dropped(txid: string): (PendingTx & { readonly status: DropStatus }) | undefined {
    return this.gone.get(txid);
  }

  /** Dev: drop the next `count` admitted calls of `functionName` (they are answered with their txid, then vanish). */
  dropNext(functionName: string, count: number): void {
    this.toDrop.set(functionName, (this.toDrop.get(functionName) ?? 0) + count);
  }

  holdNext(functionName: string, count: number): void {
    this.toHold.set(functionName, (this.toHold.get(functionName) ?? 0) + count);
  }

  /** Admit `tx` or throw the node's rejection. Re-posting a waiting transaction is a no-op. */
  admit(tx: DecodedTx, now: number): void {
    if (this.find(tx.txid) !== undefined) return;
    const replaced = this.checkNonce(tx);
    this.checkFee(tx);
    this.checkFunds(tx, replaced);
    this.checkPayload(tx);
    const entry = { tx, receivedAt: now };
    if (replaced !== undefined) {
      this.queue.splice(this.queue.indexOf(replaced), 1, entry);
      this.gone.set(replaced.tx.txid, { ...replaced, status: 'dropped_replace_by_fee' });
    } else this.queue.push(entry);
    const fn = tx.payload.kind === 'contract_call' ? tx.payload.functionName : null;
    const drops = fn === null ? 0 : (this.toDrop.get(fn) ?? 0);
    if (drops > 0) {
      this.toDrop.set(fn!, drops - 1);
      this.queue.splice(this.queue.indexOf(entry), 1);
      this.gone.set(tx.txid, { ...entry, status: 'dropped_stale_garbage_collect' });
      return;
    }
    const holds = fn === null ? 0 : (this.toHold.get(fn) ?? 0);
    if (holds > 0) {
      this.toHold.set(fn!, holds - 1);
      this.held.add(tx.txid);
    }
  }

  /** Hand the waiting transactions to the block producer, oldest first: all but the held ones and what waits behind them. */
  drain(): PendingTx[] {
    const blocked = new Set<string>();
    const out: PendingTx[] = [];
    const keep: PendingTx[] = [];
    for (const p of this.queue) {
      if (this.held.has(p.tx.txid) || blocked.has(p.tx.origin)) {
        blocked.add(p.tx.origin);
        keep.push(p);
      } else out.push(p);
    }
    this.queue.splice(0, this.queue.length, ...keep);
    return out;
  }

  /** The waiting transaction `tx` replaces, if any; throws for a nonce that fits nowhere. */
  private checkNonce(tx: DecodedTx): PendingTx | undefined {
    const waiting = this.pendingOf(tx.origin);
    const same = waiting.find((p) => p.tx.nonce === tx.nonce);
    if (same !== undefined) {
      // replace-by-fee: the same nonce at a strictly higher fee takes the waiting one's place
      if (tx.fee > same.tx.fee) return same;
      throw new MempoolRejection('ConflictingNonceInMempool', { message: `nonce ${tx.nonce} is already used by a waiting transaction (replace it with a higher fee)` }, tx.txid);
    }
    const expected = this.accounts.nonce(tx.origin) + BigInt(waiting.length);
    if (tx.nonce !== expected) {
      throw new MempoolRejection('BadNonce', { expected: Number(expected), actual: Number(tx.nonce), principal: tx.origin, is_origin: true }, tx.txid);
    }
    return undefined;
  }

  private checkFee(tx: DecodedTx): void {
    const minimum = BigInt(tx.raw.length) * MIN_FEE_RATE;
    if (tx.fee < minimum) {
      throw new MempoolRejection('FeeTooLow', { expected: Number(minimum), actual: Number(tx.fee) }, tx.txid);
    }
  }

  /** The fee (and a transfer's amount) must be covered by what the waiting transactions leave. */
  private checkFunds(tx: DecodedTx, replaced: PendingTx | undefined): void {
    const committed = this.pendingOf(tx.origin).filter((p) => p !== replaced).reduce((sum, p) => sum + spend(p.tx), 0n);
    const available = this.accounts.stx(tx.origin) - committed;
    const needed = spend(tx);
    if (available < needed) {
      throw new MempoolRejection('NotEnoughFunds', { expected: u128Hex(needed), actual: u128Hex(available > 0n ? available : 0n) }, tx.txid);
    }
  }

  private checkPayload(tx: DecodedTx): void {
    const reject = (reason: ConstructorParameters<typeof MempoolRejection>[0], data: Record<string, string>): never => {
      throw new MempoolRejection(reason, data, tx.txid);
    };
    if (tx.postConditions.some((pc) => pc.conditionType === PostConditionType.Staking || pc.conditionType === PostConditionType.PoX)) {
      reject('ServerFailureOther', { message: 'staking and PoX post-conditions need Stacks 4.0' });
    }
    const p = tx.payload;
    switch (p.kind) {
      case 'token_transfer':
        if (p.amount <= 0n) reject('TransferAmountMustBePositive', { message: 'a transfer moves at least 1 µSTX' });
        if (p.recipient === tx.origin) reject('TransferRecipientCannotEqualSender', { recipient: p.recipient });
        // stacks-core: "TokenTransfer transactions do not support post-conditions"
        if (tx.postConditions.length > 0) reject('ServerFailureOther', { message: 'STX transfers do not take post-conditions' });
        return;
      case 'contract_call': {
        const iface = this.simnet.getContractsInterfaces().get(p.contractId);
        if (iface === undefined) return reject('NoSuchContract', { message: `no contract ${p.contractId}` });
        const fn = iface.functions.find((f) => f.name === p.functionName);
        if (fn === undefined || fn.access !== 'public') reject('NoSuchPublicFunction', { message: `${p.contractId} has no public function ${p.functionName}` });
        try {
          validateContractCall(tx.wire.payload as ContractCallPayload, iface as unknown as ClarityAbi);
        } catch (e) {
          reject('BadFunctionArgument', { message: (e as Error).message });
        }
        return;
      }
      case 'smart_contract': {
        const taken = this.simnet.getContractsInterfaces().has(p.contractId) ||
          this.queue.some((q) => q.tx.payload.kind === 'smart_contract' && q.tx.payload.contractId === p.contractId);
        if (taken) reject('ContractAlreadyExists', { contract_identifier: p.contractId });
        if (p.clarityVersion !== null && p.clarityVersion > 4) {
          reject('ServerFailureOther', { message: `Clarity ${p.clarityVersion} is not active in this epoch` });
        }
        return;
      }
    }
  }
}

/** What a transaction takes from its origin's STX at most: the fee, plus a transfer's amount. */
function spend(tx: DecodedTx): bigint {
  return tx.fee + (tx.payload.kind === 'token_transfer' ? tx.payload.amount : 0n);
}
