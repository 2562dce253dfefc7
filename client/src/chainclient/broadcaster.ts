// Sends the node's own transactions: one account, many transactions in flight. Nonces
// are handed out here in order (from the API's next nonce at start, then counted
// locally, re-read after a refusal for a bad nonce), fees are the API's estimate capped
// by the configured maximum, and each submission is kept so `bump` can replace a stuck
// one: the same call and nonce at a higher fee (replace-by-fee). `mined` waits for a
// transaction's result and confirmation depth. Submissions are serialised so two calls
// never take one nonce.
import { makeContractCall, type StacksTransactionWire } from '@stacks/transactions';
import type { ContractCall } from '../chain/call.js';
import { NodeCode, NodeError } from '../node/errors.js';
import type { StacksApi, TxView } from './api.js';

/** A contract call as makeContractCall takes it (builders' calls, and others'). */
export type AnyCall = Omit<ContractCall, 'functionName'> & { readonly functionName: string };

export interface Submission {
  readonly txid: string;
  readonly nonce: bigint;
  readonly fee: bigint;
  readonly call: AnyCall;
  readonly at: number;
}

export interface BroadcasterOptions {
  readonly api: StacksApi;
  readonly address: string;
  /** hex private key of `address` */
  readonly senderKey: string;
  readonly maxFee: bigint;
  readonly pollMs: number;
}

export class Broadcaster {
  private next: bigint | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** submissions by txid (replaced ones included, so a status query still finds them) */
  readonly sent = new Map<string, Submission>();

  constructor(private readonly o: BroadcasterOptions) {}

  /** Sign and broadcast `call` at the next nonce. */
  submit(call: AnyCall): Promise<Submission> {
    return this.serial(async () => {
      const nonce = this.next ?? (await this.o.api.nextNonce(this.o.address));
      let sub: Submission;
      try {
        sub = await this.send(call, nonce, null);
      } catch (e) {
        // our count drifted (a transaction sent elsewhere): read it again for the next call
        this.next = null;
        throw e;
      }
      this.next = nonce + 1n;
      return sub;
    });
  }

  /** Replace a stuck submission: same call and nonce, fee raised by half (at least +1 µSTX), capped. */
  bump(txid: string): Promise<Submission> {
    return this.serial(async () => {
      const old = this.sent.get(txid);
      if (old === undefined) throw new NodeError(NodeCode.Chain, `no submission ${txid} to replace`);
      return this.send(old.call, old.nonce, this.raised(txid, old.fee));
    });
  }

  /**
   * Replace a transaction this run did not send (an earlier run of the node did: its
   * call is not kept) with `call`, which must mean the same (the watchtower's action for
   * it, issued again): at its nonce, fee raised by half, capped.
   */
  replace(old: { readonly txid: string; readonly nonce: bigint; readonly fee: bigint }, call: AnyCall): Promise<Submission> {
    return this.serial(async () => this.send(call, old.nonce, this.raised(old.txid, old.fee)));
  }

  private raised(txid: string, fee: bigint): bigint {
    const raised = fee + (fee / 2n > 0n ? fee / 2n : 1n);
    if (raised > this.o.maxFee) throw new NodeError(NodeCode.Chain, `replacing ${txid} would pay ${raised} µSTX, over the ${this.o.maxFee} cap`);
    return raised;
  }

  /**
   * Wait until `txid` is mined and `confirmations` burn blocks deep (counting its own);
   * the transaction as the API shows it. A failed transaction resolves too: callers read
   * its status. NODE_CHAIN_TIMEOUT after `timeoutMs`.
   */
  async mined(txid: string, o: { confirmations?: number; timeoutMs?: number; onWait?: (tx: TxView | null) => void } = {}): Promise<TxView> {
    const deadline = Date.now() + (o.timeoutMs ?? 120_000);
    for (;;) {
      const tx = await this.o.api.tx(txid);
      if (tx !== null && tx.status !== 'pending' && tx.burnHeight !== null) {
        if (tx.status !== 'success') return tx;
        const { burn } = await this.o.api.heights();
        if (burn - tx.burnHeight + 1n >= BigInt(o.confirmations ?? 1)) return tx;
      } else if (tx !== null && tx.status.startsWith('dropped')) return tx;
      o.onWait?.(tx);
      if (Date.now() > deadline) throw new NodeError(NodeCode.ChainTimeout, `transaction ${txid} not confirmed in time`, { details: { txid } });
      await new Promise((r) => setTimeout(r, this.o.pollMs));
    }
  }

  private async send(call: AnyCall, nonce: bigint, fee: bigint | null): Promise<Submission> {
    let tx: StacksTransactionWire = await makeContractCall({ ...call, senderKey: this.o.senderKey, network: this.o.api.network, nonce, ...(fee === null ? {} : { fee }) });
    const estimated = BigInt(tx.auth.spendingCondition.fee);
    if (fee === null && estimated > this.o.maxFee) {
      tx = await makeContractCall({ ...call, senderKey: this.o.senderKey, network: this.o.api.network, nonce, fee: this.o.maxFee });
    }
    const txid = await this.o.api.broadcast(tx);
    const sub: Submission = { txid, nonce, fee: BigInt(tx.auth.spendingCondition.fee), call, at: Date.now() };
    this.sent.set(txid, sub);
    return sub;
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
