// The Stacks node and API over HTTP, as any client sees them (the same endpoints on a
// Hiro API, a self-run node, or the local chain): chain heights, an account's nonces,
// a transaction and its result, broadcasting. Responses are checked against the parts of
// the Hiro API's published shapes we read (zod), so a surprise is a typed error rather
// than an undefined deep inside the node. No state, no signing.
import { broadcastTransaction, hexToCV, type ClarityValue, type StacksTransactionWire } from '@stacks/transactions';
import type { StacksNetwork } from '@stacks/network';
import { z } from 'zod';
import { NodeCode, NodeError } from '../node/errors.js';

const Info = z.object({ burn_block_height: z.number(), stacks_tip_height: z.number(), tenure_height: z.number().optional() });
const Nonces = z.object({ possible_next_nonce: z.number(), last_executed_tx_nonce: z.number().nullable() });
const Event = z.object({
  event_type: z.string(),
  asset: z.object({ asset_event_type: z.string(), asset_id: z.string().optional(), sender: z.string(), recipient: z.string(), amount: z.string() }).optional(),
  contract_log: z.object({ contract_id: z.string(), value: z.object({ hex: z.string() }) }).optional(),
});
const Tx = z.object({
  tx_id: z.string(),
  tx_status: z.string(),
  nonce: z.number().optional(),
  fee_rate: z.string(),
  sender_address: z.string(),
  block_height: z.number().optional(),
  burn_block_height: z.number().optional(),
  tx_result: z.object({ hex: z.string(), repr: z.string() }).optional(),
  contract_call: z.object({ function_name: z.string() }).optional(),
  events: z.array(Event).optional(),
});

const ContractEvents = z.object({
  results: z.array(z.object({
    tx_id: z.string(),
    event_index: z.number(),
    event_type: z.string(),
    contract_log: z.object({ contract_id: z.string(), value: z.object({ hex: z.string() }) }).optional(),
  })),
});

/** One event of a contract, as `/extended/v1/contract/{id}/events` lists it. */
export interface ContractEventView {
  readonly txid: string;
  readonly index: number;
  /** the print's contract and value; null for an event that is not a print */
  readonly print: { readonly contract: string; readonly value: ClarityValue } | null;
}

export interface Heights {
  readonly stacks: bigint;
  readonly burn: bigint;
  /** tenure height (HTLC expiries); the burn height where the API does not say */
  readonly tenure: bigint;
}

export interface TxView {
  readonly txid: string;
  /** pending, success, abort_by_response, abort_by_post_condition, dropped_* … */
  readonly status: string;
  readonly functionName: string | null;
  readonly fee: bigint;
  readonly burnHeight: bigint | null;
  /** the call's result, once mined */
  readonly result: ClarityValue | null;
  readonly events: z.infer<typeof Event>[];
}

export class StacksApi {
  constructor(readonly baseUrl: string, readonly network: StacksNetwork, private readonly timeoutMs = 15_000) {}

  async heights(): Promise<Heights> {
    const i = Info.parse(await this.get('/v2/info'));
    return { stacks: BigInt(i.stacks_tip_height), burn: BigInt(i.burn_block_height), tenure: BigInt(i.tenure_height ?? i.burn_block_height) };
  }

  async nextNonce(address: string): Promise<bigint> {
    return BigInt(Nonces.parse(await this.get(`/extended/v1/address/${address}/nonces`)).possible_next_nonce);
  }

  /** The transaction, or null while the API does not know it. */
  async tx(txid: string): Promise<TxView | null> {
    const raw = await this.get(`/extended/v1/tx/${txid.startsWith('0x') ? txid : `0x${txid}`}`, true);
    if (raw === null) return null;
    const t = Tx.parse(raw);
    return {
      txid: t.tx_id.replace(/^0x/, ''),
      status: t.tx_status,
      functionName: t.contract_call?.function_name ?? null,
      fee: BigInt(t.fee_rate),
      burnHeight: t.burn_block_height === undefined || t.tx_status === 'pending' ? null : BigInt(t.burn_block_height),
      result: t.tx_result === undefined || t.tx_status === 'pending' ? null : hexToCV(t.tx_result.hex),
      events: t.events ?? [],
    };
  }

  /** A page of `contract`'s events, newest first (the Hiro API's order). */
  async contractEvents(contract: string, limit: number, offset: number): Promise<ContractEventView[]> {
    const page = ContractEvents.parse(await this.get(`/extended/v1/contract/${contract}/events?limit=${limit}&offset=${offset}`));
    return page.results.map((e) => ({
      txid: e.tx_id.replace(/^0x/, ''),
      index: e.event_index,
      print: e.event_type === 'smart_contract_log' && e.contract_log !== undefined ? { contract: e.contract_log.contract_id, value: hexToCV(e.contract_log.value.hex) } : null,
    }));
  }

  /** Broadcast; the txid, or NODE_CHAIN with the node's reason. */
  async broadcast(transaction: StacksTransactionWire): Promise<string> {
    const r = await broadcastTransaction({ transaction, network: this.network });
    if ('reason' in r) {
      throw new NodeError(NodeCode.Chain, `the chain refused the transaction: ${r.reason}`, {
        details: { reason: r.reason, data: JSON.stringify('reason_data' in r ? r.reason_data : null) },
      });
    }
    return r.txid;
  }

  private async get(path: string, allow404 = false): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      throw new NodeError(NodeCode.Chain, `the Stacks API at ${this.baseUrl} did not answer ${path}`, { cause });
    }
    if (allow404 && res.status === 404) return null;
    if (!res.ok) throw new NodeError(NodeCode.Chain, `GET ${path} answered ${res.status}`, { details: { status: res.status } });
    return res.json();
  }
}
