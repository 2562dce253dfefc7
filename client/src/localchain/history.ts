// What the local chain has done, as the Stacks API's history endpoints show it, derived
// from the block producer's mined transactions (in mining order): a contract's events,
// an address's transactions, the totals an address sent and received, and burn blocks
// with the Stacks blocks that carried transactions, and Stacks blocks with their
// transactions. Newest first, with limit and offset,
// as the Hiro API pages. Pure views: no simnet access, no HTTP.
import type { ChainEvent } from '../chain/post-condition-check.js';
import type { BlockInfo } from './journal.js';
import type { MinedTx } from './producer.js';

export interface Page<T> {
  readonly limit: number;
  readonly offset: number;
  readonly total: number;
  readonly results: readonly T[];
}

export function page<T>(all: readonly T[], limit: number, offset: number): Page<T> {
  return { limit, offset, total: all.length, results: all.slice(offset, offset + limit) };
}

const committed = (m: MinedTx) => m.status !== 'dropped_problematic';

/** The print events of `contractId`, newest first, with the transaction and index each came from. */
export function contractEvents(mined: readonly MinedTx[], contractId: string): { tx: MinedTx; event: ChainEvent; index: number }[] {
  const out: { tx: MinedTx; event: ChainEvent; index: number }[] = [];
  for (const m of mined) {
    if (!committed(m)) continue;
    m.events.forEach((event, index) => {
      if (event.event === 'print_event' && event.data['contract_identifier'] === contractId) out.push({ tx: m, event, index });
    });
  }
  return out.reverse();
}

/** Does `m` concern `principal` (sent by it, calling or deploying it, or moving its assets)? */
function involves(m: MinedTx, principal: string): boolean {
  if (m.tx.origin === principal) return true;
  const p = m.tx.payload;
  if (p.kind === 'token_transfer' && p.recipient === principal) return true;
  if ((p.kind === 'contract_call' || p.kind === 'smart_contract') && p.contractId === principal) return true;
  return m.events.some((e) => e.data['sender'] === principal || e.data['recipient'] === principal);
}

/** The mined transactions that concern `principal`, newest first. */
export function addressTransactions(mined: readonly MinedTx[], principal: string): MinedTx[] {
  return mined.filter((m) => m.status !== 'dropped_problematic' && involves(m, principal)).reverse();
}

/** What `principal` sent and received, by asset ('STX' or the asset id), from committed asset events. */
export function totals(mined: readonly MinedTx[], principal: string): Map<string, { sent: bigint; received: bigint }> {
  const out = new Map<string, { sent: bigint; received: bigint }>();
  const add = (asset: string, key: 'sent' | 'received', amount: bigint) => {
    const t = out.get(asset) ?? { sent: 0n, received: 0n };
    t[key] += amount;
    out.set(asset, t);
  };
  for (const m of mined) {
    if (!committed(m)) continue;
    for (const e of m.events) {
      const stx = e.event.startsWith('stx_');
      if (!stx && !e.event.startsWith('ft_')) continue;
      const asset = stx ? 'STX' : String(e.data['asset_identifier'] ?? '');
      const amount = BigInt(String(e.data['amount'] ?? '0'));
      if (e.data['sender'] === principal) add(asset, 'sent', amount);
      if (e.data['recipient'] === principal) add(asset, 'received', amount);
    }
  }
  return out;
}

export interface BurnBlockView {
  readonly height: number;
  /** heights of Stacks blocks anchored to it that carried transactions */
  readonly stacksBlocks: readonly number[];
  readonly txCount: number;
  /** a block time of one of its transactions, or null for a burn block without any */
  readonly time: number | null;
}

/** Burn blocks 0…`tip`, newest first, each with the transaction-carrying Stacks blocks anchored to it. */
export function burnBlocks(mined: readonly MinedTx[], tip: number): BurnBlockView[] {
  const by = new Map<number, { stacks: Set<number>; txs: number; time: number }>();
  for (const m of mined) {
    if (!committed(m)) continue;
    const b = by.get(m.burnBlockHeight) ?? { stacks: new Set<number>(), txs: 0, time: m.blockTime };
    b.stacks.add(m.blockHeight);
    b.txs++;
    by.set(m.burnBlockHeight, b);
  }
  const out: BurnBlockView[] = [];
  for (let h = tip; h >= 0; h--) {
    const b = by.get(h);
    out.push({ height: h, stacksBlocks: b === undefined ? [] : [...b.stacks], txCount: b?.txs ?? 0, time: b?.time ?? null });
  }
  return out;
}

export interface StacksBlockView extends BlockInfo {
  /** ids of the transactions it carried, in order */
  readonly txids: readonly string[];
}

/** Every Stacks block with the transactions it carried, newest first. */
export function stacksBlocks(blocks: readonly BlockInfo[], mined: readonly MinedTx[]): StacksBlockView[] {
  const txs = new Map<number, string[]>();
  for (const m of mined) {
    if (!committed(m)) continue;
    const at = txs.get(m.blockHeight) ?? [];
    at.push(m.tx.txid);
    txs.set(m.blockHeight, at);
  }
  return blocks.map((b) => ({ ...b, txids: txs.get(b.height) ?? [] })).reverse();
}
