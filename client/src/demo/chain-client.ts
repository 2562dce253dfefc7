// The demo's view of the chain, over HTTP only, the way any client sees a Stacks node:
// contract calls built by client/src/chain are signed with makeContractCall (deny-mode
// post-conditions as built) and sent with broadcastTransaction; receipts come from the
// API's /extended/v1/tx; the dev-only POST /dev/mine makes blocks (and burn blocks, so a
// dispute window can pass) on demand. It keeps the log of every transaction it sent, for
// the summary. It must not reach into the local chain's objects: only its URL.
import { createNetwork, type StacksNetwork } from '@stacks/network';
import { broadcastTransaction, fetchNonce, hexToCV, makeContractCall, type ClarityValue } from '@stacks/transactions';
import { z } from 'zod';
import type { ContractCall } from '../chain/call.js';
import { contractError } from '../chain/errors.js';
import { decodeChannelEvents, type ChannelEvent, type EventSources, type PrintEvent } from '../chain/events.js';
import { httpReadOnlyCaller } from '../chain/read-only-caller.js';
import type { ChainContext } from '../chain/readers.js';
import type { AssetMove } from '../chain/simnet-caller.js';
import { senderKey, type Account } from './accounts.js';
import { DemoTxError } from './errors.js';

/** A mined, successful transaction as the demo keeps it. */
export interface Receipt {
  readonly txid: string;
  readonly functionName: string;
  readonly sender: string;
  readonly fee: bigint;
  readonly burnHeight: bigint;
  /** the call's `(ok …)` value */
  readonly value: ClarityValue;
  /** assets that left a principal (deposits into and payouts from the channel contract) */
  readonly moves: readonly AssetMove[];
  /** the channel contract's and registry's prints, decoded */
  readonly events: readonly ChannelEvent[];
}

/** A call as makeContractCall takes it: a builder's ContractCall, or another contract's (the faucet). */
export type AnyCall = Omit<ContractCall, 'functionName'> & { readonly functionName: string };

export interface Heights {
  readonly stacks: bigint;
  readonly burn: bigint;
  readonly tenure: bigint;
}

const ApiEvent = z.object({
  event_type: z.string(),
  asset: z.object({ asset_event_type: z.string(), asset_id: z.string().optional(), sender: z.string(), recipient: z.string(), amount: z.string() }).optional(),
  contract_log: z.object({ contract_id: z.string(), value: z.object({ hex: z.string() }) }).optional(),
});
const ApiTx = z.object({
  tx_id: z.string(),
  tx_status: z.string(),
  fee_rate: z.string(),
  sender_address: z.string(),
  burn_block_height: z.number().optional(),
  tx_result: z.object({ hex: z.string(), repr: z.string() }).optional(),
  vm_error: z.string().nullable().optional(),
  contract_call: z.object({ function_name: z.string() }).optional(),
  events: z.array(ApiEvent).optional(),
});
const ApiInfo = z.object({ burn_block_height: z.number(), tenure_height: z.number(), stacks_tip_height: z.number() });
const ApiAccount = z.object({ balance: z.string() });
const ApiBalances = z.object({ fungible_tokens: z.record(z.string(), z.object({ balance: z.string() })) });

export class DemoChain {
  readonly network: StacksNetwork;
  readonly ctx: ChainContext;
  /** every transaction sent and mined, in order */
  readonly log: Receipt[] = [];
  private readonly nonces = new Map<string, bigint>();

  constructor(
    readonly url: string,
    readonly sources: EventSources,
  ) {
    this.network = createNetwork({ network: 'devnet', client: { baseUrl: url } });
    this.ctx = { caller: httpReadOnlyCaller({ network: this.network }), contract: sources.channel, registry: sources.registry };
  }

  /** Sign `call` as `from` and broadcast it; the txid. A refusal is a DemoTxError. */
  async send(call: AnyCall, from: Account): Promise<string> {
    const nonce = this.nonces.get(from.address) ?? (await fetchNonce({ address: from.address, network: this.network }));
    const transaction = await makeContractCall({ ...call, senderKey: senderKey(from), network: this.network, nonce });
    const r = await broadcastTransaction({ transaction, network: this.network });
    if ('reason' in r) {
      throw new DemoTxError('DEMO_TX_REJECTED', `${call.functionName} by ${from.address} refused: ${r.reason}`, { details: { reason: r.reason, data: JSON.stringify('reason_data' in r ? r.reason_data : null) } });
    }
    this.nonces.set(from.address, nonce + 1n);
    return r.txid;
  }

  /** Mine what waits, then `burnBlocks` burn blocks; the heights after. */
  async mine(o: { burnBlocks?: number } = {}): Promise<Heights> {
    const res = await fetch(`${this.url}/dev/mine`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(o.burnBlocks === undefined ? {} : { burnBlocks: o.burnBlocks }),
    });
    if (!res.ok) throw new DemoTxError('DEMO_TX_FAILED', `/dev/mine answered ${res.status}`);
    return this.heights();
  }

  /** Send each call, mine one round, and return the receipts; any failure is a DemoTxError. */
  async submitAll(calls: readonly (readonly [AnyCall, Account])[]): Promise<Receipt[]> {
    const txids: string[] = [];
    for (const [call, from] of calls) txids.push(await this.send(call, from));
    await this.mine();
    const out: Receipt[] = [];
    for (const txid of txids) out.push(await this.receipt(txid));
    return out;
  }

  async submit(call: AnyCall, from: Account): Promise<Receipt> {
    const [r] = await this.submitAll([[call, from]]);
    return r!;
  }

  /** The receipt of a mined transaction; one that did not succeed is a DemoTxError naming the contract error. */
  async receipt(txid: string): Promise<Receipt> {
    const tx = ApiTx.parse(await this.getJson(`/extended/v1/tx/${txid}`));
    const fn = tx.contract_call?.function_name ?? 'transaction';
    const result = tx.tx_result === undefined ? null : hexToCV(tx.tx_result.hex);
    if (tx.tx_status !== 'success' || result === null || result.type !== 'ok') {
      const cause = result?.type === 'err' && result.value.type === 'uint' ? contractError(fn === 'reveal-secret' ? 'secret-registry' : 'bitstream', BigInt(result.value.value)) : undefined;
      throw new DemoTxError('DEMO_TX_FAILED', `${fn} ${tx.tx_status}: ${cause?.code ?? tx.vm_error ?? tx.tx_result?.repr ?? 'no result'}`, {
        details: { txid, status: tx.tx_status },
        cause,
      });
    }
    const moves: AssetMove[] = [];
    const prints: PrintEvent[] = [];
    for (const e of tx.events ?? []) {
      if (e.asset !== undefined && e.asset.asset_event_type === 'transfer') {
        moves.push({ asset: e.asset.asset_id ?? 'STX', sender: e.asset.sender, recipient: e.asset.recipient, amount: BigInt(e.asset.amount) });
      }
      if (e.contract_log !== undefined) prints.push({ contract: e.contract_log.contract_id, value: hexToCV(e.contract_log.value.hex) });
    }
    const receipt: Receipt = {
      txid,
      functionName: fn,
      sender: tx.sender_address,
      fee: BigInt(tx.fee_rate),
      burnHeight: BigInt(tx.burn_block_height ?? 0),
      value: result.value,
      moves,
      events: decodeChannelEvents(prints, this.sources),
    };
    this.log.push(receipt);
    return receipt;
  }

  async heights(): Promise<Heights> {
    const i = ApiInfo.parse(await this.getJson('/v2/info'));
    return { stacks: BigInt(i.stacks_tip_height), burn: BigInt(i.burn_block_height), tenure: BigInt(i.tenure_height) };
  }

  /** STX balance of any principal (µSTX). */
  async stx(principal: string): Promise<bigint> {
    return BigInt(ApiAccount.parse(await this.getJson(`/v2/accounts/${principal}?proof=0`)).balance);
  }

  /** Balance of fungible token `assetId` (`<contract>::<asset>`) held by `principal`. */
  async token(principal: string, assetId: string): Promise<bigint> {
    const b = ApiBalances.parse(await this.getJson(`/extended/v1/address/${principal}/balances`));
    return BigInt(b.fungible_tokens[assetId]?.balance ?? '0');
  }

  private async getJson(path: string): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`);
    if (!res.ok) throw new DemoTxError('DEMO_TX_FAILED', `GET ${path} answered ${res.status}`);
    return res.json();
  }
}

