// The stacks-node event observer interface, pushed by the local chain: every Stacks block
// it mines is POSTed to each observer as `/new_block` (the block, its transactions with
// raw bytes and results, their events), and every burn block as `/new_burn_block`, in
// order, as a stacks-node configured with `[[events_observer]]` does for services that
// run their own node. Delivery is in order per observer; a failed POST is retried
// (every 250 ms) until it is accepted or the chain stops, as the stacks-node retries, so
// an observer that was down gets everything once it is back. Payload building is pure;
// the queue owns the HTTP.
import { bytesToHex } from '@noble/hashes/utils.js';
import { serializeCV } from '@stacks/transactions';
import { blockHash, type Json } from './api-shapes.js';
import type { BlockInfo } from './journal.js';
import type { MinedTx } from './producer.js';

const hex0x = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const ZERO_COST = { read_count: 0, read_length: 0, runtime: 0, write_count: 0, write_length: 0 };
const EVENT_TYPES: Record<string, string> = {
  print_event: 'contract_event', stx_transfer_event: 'stx_transfer_event', stx_mint_event: 'stx_mint_event', stx_burn_event: 'stx_burn_event',
  stx_lock_event: 'stx_lock_event', ft_transfer_event: 'ft_transfer_event', ft_mint_event: 'ft_mint_event', ft_burn_event: 'ft_burn_event',
  nft_transfer_event: 'nft_transfer_event', nft_mint_event: 'nft_mint_event', nft_burn_event: 'nft_burn_event',
};

/** One Stacks block as `/new_block` carries it. `txs`: the transactions mined in it, in order. */
export function newBlockPayload(b: BlockInfo, txs: readonly MinedTx[]): Json {
  let eventIndex = 0;
  const events: Json[] = [];
  txs.forEach((m) => {
    for (const e of m.events) {
      const type = EVENT_TYPES[e.event] ?? e.event;
      const { value, ...rest } = e.data;
      const body = type === 'contract_event'
        ? { contract_identifier: String(e.data['contract_identifier'] ?? ''), topic: String(e.data['topic'] ?? 'print'), raw_value: value === undefined ? String(e.data.raw_value ?? '') : `0x${serializeCV(value).replace(/^0x/, '')}` }
        : JSON.parse(JSON.stringify(rest, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Json;
      events.push({ txid: `0x${m.tx.txid}`, event_index: eventIndex++, committed: true, type, [type]: body });
    }
  });
  return {
    block_hash: blockHash('stacks', b.height),
    block_height: b.height,
    block_time: b.time,
    burn_block_time: b.time,
    burn_block_hash: blockHash('burn', b.burnHeight),
    burn_block_height: b.burnHeight,
    index_block_hash: blockHash('index', b.height),
    parent_block_hash: blockHash('stacks', b.height - 1),
    parent_index_block_hash: blockHash('index', b.height - 1),
    parent_burn_block_hash: blockHash('burn', Math.max(0, b.burnHeight - 1)),
    parent_burn_block_height: Math.max(0, b.burnHeight - 1),
    parent_burn_block_timestamp: b.time,
    parent_microblock: `0x${'00'.repeat(32)}`,
    parent_microblock_sequence: 0,
    miner_txid: blockHash('consensus', b.height),
    transactions: txs.map((m, i) => ({
      txid: `0x${m.tx.txid}`,
      tx_index: i,
      status: m.status,
      raw_result: m.result === null ? '0x' : `0x${serializeCV(m.result).replace(/^0x/, '')}`,
      raw_tx: hex0x(m.tx.raw),
      contract_abi: null,
      execution_cost: ZERO_COST,
      microblock_sequence: null,
      microblock_hash: null,
      microblock_parent_hash: null,
      vm_error: m.vmError,
    })),
    events,
    matured_miner_rewards: [],
    anchored_cost: ZERO_COST,
    confirmed_microblocks_cost: ZERO_COST,
  };
}

/** One burn block as `/new_burn_block` carries it (the local chain has no miners or PoX rewards). */
export function newBurnBlockPayload(height: number): Json {
  return { burn_block_hash: blockHash('burn', height), burn_block_height: height, reward_recipients: [], reward_slot_holders: [], burn_amount: 0, consensus_hash: blockHash('consensus', height) };
}

/** The ordered delivery to one observer. */
class Delivery {
  private readonly queue: { path: string; body: string }[] = [];
  private running = false;
  stopped = false;

  constructor(private readonly base: string, private readonly log: (line: string) => void) {}

  push(path: string, body: Json): void {
    this.queue.push({ path, body: JSON.stringify(body) });
    if (!this.running) void this.drain();
  }

  get waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    this.running = true;
    let failures = 0;
    while (this.queue.length > 0 && !this.stopped) {
      const next = this.queue[0]!;
      try {
        const res = await fetch(`${this.base}${next.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: next.body, signal: AbortSignal.timeout(10_000) });
        if (!res.ok) throw new Error(`answered ${res.status}`);
        this.queue.shift();
        failures = 0;
      } catch (e) {
        if (failures++ === 0) this.log(`event observer ${this.base}${next.path}: ${(e as Error).message}; retrying until it accepts`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    this.running = false;
  }
}

/** What the chain pushes to its observers, from where it left off. */
export class ObserverPush {
  private readonly deliveries: Delivery[];
  private stacks: number;
  private burn: number;

  constructor(urls: readonly string[], from: { stacks: number; burn: number }, log: (line: string) => void = () => undefined) {
    this.deliveries = urls.map((u) => new Delivery(u.replace(/\/+$/, ''), log));
    this.stacks = from.stacks;
    this.burn = from.burn;
  }

  /** Push every block above what was pushed: burn blocks first, then the Stacks blocks anchored to them. */
  advance(blocks: readonly BlockInfo[], mined: readonly MinedTx[], burnTip: number): void {
    if (this.deliveries.length === 0) return;
    const fresh = blocks.filter((b) => b.height > this.stacks);
    const byHeight = new Map<number, MinedTx[]>();
    if (fresh.length > 0) {
      for (const m of mined) {
        if (m.status === 'dropped_problematic' || m.blockHeight <= this.stacks) continue;
        const at = byHeight.get(m.blockHeight) ?? [];
        at.push(m);
        byHeight.set(m.blockHeight, at);
      }
    }
    for (const b of fresh) {
      while (this.burn < b.burnHeight) this.send('/new_burn_block', newBurnBlockPayload(++this.burn));
      this.send('/new_block', newBlockPayload(b, byHeight.get(b.height) ?? []));
      this.stacks = b.height;
    }
    while (this.burn < burnTip) this.send('/new_burn_block', newBurnBlockPayload(++this.burn));
  }

  /** Are there observers at all? (Without any, the chain builds no payloads.) */
  get active(): boolean {
    return this.deliveries.length > 0;
  }

  /** Payloads not delivered yet, over all observers. */
  get waiting(): number {
    return this.deliveries.reduce((n, d) => n + d.waiting, 0);
  }

  stop(): void {
    for (const d of this.deliveries) d.stopped = true;
  }

  private send(path: string, body: Json): void {
    for (const d of this.deliveries) d.push(path, body);
  }
}
