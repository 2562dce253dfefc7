// The endpoints of the local chain: the subset of the Stacks node (/v2) and Stacks API
// (/extended) that @stacks/transactions, @stacks/network and wallets use, plus the
// dev-only POST /dev/mine. Each handler parses its request, asks the chain, and shapes
// the answer like the real service. No chain logic here (chain.ts and its parts).
import { hexToBytes } from '@noble/hashes/utils.js';
import { serializeCV } from '@stacks/transactions';
import { blockHash, droppedTxJson, eventJson, minedTxJson, pendingTxJson, type Json } from './api-shapes.js';
import { addressTransactions, burnBlocks, contractEvents, page, stacksBlocks, totals, type BurnBlockView, type StacksBlockView } from './history.js';
import type { LocalChain } from './chain.js';
import { LocalChainError, u128Hex } from './errors.js';
import { json, type Route } from './http.js';
import { CallReadBody, DropBody, FeeBody, MapEntryBody, MineBody, parseBody } from './schemas.js';

const PRINCIPAL = '([A-Za-z0-9]+(?:\\.[A-Za-z0-9_-]+)?)';
const ADDRESS = '([A-Za-z0-9]+)';
const NAME = '([A-Za-z0-9_-]+)';
const CLARITY_NAME = '([^/]+)';

/** Testnet's bitcoin network id (stacks-core `parent_network_id` of testnet). */
const PARENT_NETWORK_ID = 3669344250;

export function routes(chain: LocalChain): Route[] {
  const r = (method: 'GET' | 'POST', path: string, handler: Route['handler']): Route => ({ method, path: new RegExp(`^${path}/?$`), handler });
  return [
    r('GET', '/v2/info', async () => {
      const h = await chain.heights();
      return json({
        peer_version: 4207599116,
        pox_consensus: blockHash('consensus', h.burn).slice(2, 42),
        burn_block_height: h.burn,
        stable_pox_consensus: blockHash('consensus', Math.max(0, h.burn - 7)).slice(2, 42),
        stable_burn_block_height: Math.max(0, h.burn - 7),
        server_version: 'bitstream-localchain (clarinet-sdk simnet)',
        network_id: chain.chainId,
        parent_network_id: PARENT_NETWORK_ID,
        stacks_tip_height: h.stacks,
        stacks_tip: blockHash('stacks', h.stacks).slice(2),
        stacks_tip_consensus_hash: blockHash('consensus', h.burn).slice(2, 42),
        genesis_chainstate_hash: blockHash('stacks', 0).slice(2),
        unanchored_tip: null,
        unanchored_seq: null,
        tenure_height: h.tenure,
        exit_at_block_height: null,
        is_fully_synced: true,
        node_public_key: null,
        node_public_key_hash: null,
        stackerdbs: [],
      });
    }),

    r('GET', `/v2/accounts/${PRINCIPAL}`, async (req) => {
      const a = await chain.account(req.params[0]!);
      return json({ balance: u128Hex(a.stx), locked: u128Hex(0n), unlock_height: 0, nonce: Number(a.nonce), balance_proof: '', nonce_proof: '' });
    }),

    r('GET', `/extended/v1/address/${PRINCIPAL}/balances`, async (req) => {
      const principal = req.params[0]!;
      const [a, held] = [await chain.account(principal), await chain.holdings(principal)];
      const sums = totals((await chain.history()).mined, principal);
      const sent = (asset: string) => (sums.get(asset)?.sent ?? 0n).toString();
      const received = (asset: string) => (sums.get(asset)?.received ?? 0n).toString();
      const fungible: Record<string, Json> = {};
      for (const [id, balance] of held.fungible) fungible[id] = { balance: balance.toString(), total_sent: sent(id), total_received: received(id) };
      const nonFungible: Record<string, Json> = {};
      for (const [id, count] of held.nonFungible) nonFungible[id] = { count: count.toString(), total_sent: '0', total_received: '0' };
      return json({ stx: stxJson(a.stx, a.feesPaid, sent('STX'), received('STX')), fungible_tokens: fungible, non_fungible_tokens: nonFungible });
    }),

    r('GET', `/extended/v1/address/${PRINCIPAL}/stx`, async (req) => {
      const a = await chain.account(req.params[0]!);
      const t = totals((await chain.history()).mined, req.params[0]!).get('STX');
      return json(stxJson(a.stx, a.feesPaid, (t?.sent ?? 0n).toString(), (t?.received ?? 0n).toString()));
    }),

    // A contract's print events, newest first (what a client follows to learn of closes and disputes)
    r('GET', `/extended/v1/contract/${PRINCIPAL}/events`, async (req) => {
      const { limit, offset } = paging(req.url, 50);
      const events = contractEvents((await chain.history()).mined, req.params[0]!);
      return json({ limit, offset, results: events.slice(offset, offset + limit).map((e) => eventJson(e.event, e.index, `0x${e.tx.tx.txid}`)) });
    }),

    r('GET', `/extended/v1/address/${PRINCIPAL}/transactions`, async (req) => {
      const { limit, offset } = paging(req.url, 50);
      const h = await chain.history();
      const p = page(addressTransactions(h.mined, req.params[0]!), limit, offset);
      return json({ ...p, results: p.results.map((m) => minedTxJson(m, h.abi(m.tx))) });
    }),

    r('GET', '/extended/v1/tx/mempool', async (req) => {
      const { limit, offset } = paging(req.url, 50);
      const h = await chain.history();
      const sender = req.url.searchParams.get('sender_address');
      const waiting = h.pending.filter((p) => sender === null || p.tx.origin === sender).reverse();
      const p = page(waiting, limit, offset);
      return json({ ...p, results: p.results.map((x) => pendingTxJson(x, h.abi(x.tx))) });
    }),

    r('GET', `/extended/v1/address/${PRINCIPAL}/mempool`, async (req) => {
      const { limit, offset } = paging(req.url, 50);
      const h = await chain.history();
      const p = page(h.pending.filter((x) => x.tx.origin === req.params[0]).reverse(), limit, offset);
      return json({ ...p, results: p.results.map((x) => pendingTxJson(x, h.abi(x.tx))) });
    }),

    r('GET', '/extended/v2/burn-blocks', async (req) => {
      const { limit, offset } = paging(req.url, 30);
      const h = await chain.history();
      const p = page(burnBlocks(h.mined, h.burn), limit, offset);
      return json({ ...p, results: p.results.map(burnBlockJson) });
    }),

    r('GET', '/extended/v2/burn-blocks/([0-9]+)', async (req) => {
      const h = await chain.history();
      const height = Number(req.params[0]);
      const b = height <= h.burn ? burnBlocks(h.mined, h.burn)[h.burn - height] : undefined;
      if (b === undefined) return json({ error: `cannot find burn block at height ${height}` }, 404);
      return json(burnBlockJson(b));
    }),

    r('GET', '/extended/v2/blocks/?', async (req) => {
      const { limit, offset } = paging(req.url, 30);
      const h = await chain.history();
      const { tenure } = await chain.heights();
      const p = page(stacksBlocks(h.blocks, h.mined), limit, offset);
      return json({ ...p, results: p.results.map((b) => stacksBlockJson(b, tenure, h.blocks.length - 1)) });
    }),

    r('GET', '/extended/v2/blocks/(0x[0-9a-fA-F]{64}|[0-9]+)', async (req) => {
      const h = await chain.history();
      const key = req.params[0]!.toLowerCase();
      const all = stacksBlocks(h.blocks, h.mined);
      const b = key.startsWith('0x') ? all.find((x) => blockHash('stacks', x.height) === key || blockHash('index', x.height) === key) : all[all.length - 1 - Number(key)];
      if (b === undefined) return json({ error: `cannot find block by height or hash ${req.params[0]}` }, 404);
      return json(stacksBlockJson(b, (await chain.heights()).tenure, h.blocks.length - 1));
    }),

    r('GET', `/extended/v1/address/${PRINCIPAL}/nonces`, async (req) => {
      const a = await chain.account(req.params[0]!);
      const lastExecuted = a.nonce > 0n ? Number(a.nonce - 1n) : null;
      const waiting = a.pending.map((p) => Number(p.tx.nonce));
      return json({
        last_executed_tx_nonce: lastExecuted,
        last_mempool_tx_nonce: waiting.length > 0 ? Math.max(...waiting) : null,
        possible_next_nonce: Number(a.nonce) + waiting.length,
        detected_missing_nonces: [],
        detected_mempool_nonces: waiting,
      });
    }),

    // The node answers the txid as a JSON string; a refusal is a MempoolRejection (400).
    r('POST', '/v2/transactions', async (req) => json(await chain.submit(req.body, req.contentType))),

    r('GET', '/extended/v1/tx/(?:0x)?([0-9a-fA-F]{64})', async (req) => {
      const found = await chain.transaction(req.params[0]!);
      if (found === null) return json({ error: `could not find transaction by ID ${req.params[0]}` }, 404);
      return json('pending' in found ? pendingTxJson(found.pending, found.abi) : 'dropped' in found ? droppedTxJson(found.dropped, found.abi) : minedTxJson(found.mined, found.abi));
    }),

    r('POST', `/v2/contracts/call-read/${ADDRESS}/${NAME}/${CLARITY_NAME}`, async (req) => {
      const body = parseBody(CallReadBody, req.body);
      const [address, name, fn] = req.params as [string, string, string];
      return json(await chain.callReadOnly(`${address}.${name}`, fn, body.sender, body.arguments));
    }),

    r('GET', `/v2/contracts/interface/${ADDRESS}/${NAME}`, async (req) => {
      const iface = await chain.contractInterface(`${req.params[0]}.${req.params[1]}`);
      if (iface === null) throw new LocalChainError('LOCALCHAIN_NOT_FOUND', 'No contract interface data found');
      return json(iface);
    }),

    r('GET', `/v2/contracts/source/${ADDRESS}/${NAME}`, async (req) => {
      const source = await chain.contractSource(`${req.params[0]}.${req.params[1]}`);
      if (source === null) throw new LocalChainError('LOCALCHAIN_NOT_FOUND', 'No contract source data found');
      return json({ source, publish_height: 0, proof: '' });
    }),

    r('POST', `/v2/map_entry/${ADDRESS}/${NAME}/${CLARITY_NAME}`, async (req) => {
      const key = parseBody(MapEntryBody, req.body);
      const [address, name, map] = req.params as [string, string, string];
      return json({ data: await chain.mapEntry(`${address}.${name}`, map, key), proof: '' });
    }),

    r('GET', `/v2/data_var/${ADDRESS}/${NAME}/${CLARITY_NAME}`, async (req) => {
      const [address, name, v] = req.params as [string, string, string];
      return json({ data: await chain.dataVar(`${address}.${name}`, v), proof: '' });
    }),

    // A fee rate of 1 µSTX per byte is the node's minimum; the three estimates are 1x, 2x, 3x.
    r('POST', '/v2/fees/transaction', (req) => {
      const body = parseBody(FeeBody, req.body);
      const payloadLen = hexToBytes(body.transaction_payload.replace(/^0x/, '')).length;
      // without the whole transaction's length, add what a single-sig header and auth take
      const len = body.estimated_len === undefined ? payloadLen + 180 : Math.max(body.estimated_len, payloadLen);
      return json({
        estimated_cost: { read_count: 0, read_length: 0, runtime: 0, write_count: 0, write_length: 0 },
        estimated_cost_scalar: 0,
        cost_scalar_change_by_byte: 0,
        estimations: [1, 2, 3].map((rate) => ({ fee_rate: rate, fee: rate * len })),
      });
    }),

    r('GET', '/v2/fees/transfer', () => json(1)),

    r('GET', '/extended', async () => {
      const h = await chain.heights();
      return json({ server_version: 'bitstream-localchain', status: 'ready', chain_tip: { block_height: h.stacks, burn_block_height: h.burn } });
    }),

    // Dev only: the next `count` admitted calls of `functionName` are dropped, not mined
    // (a test of what a client does when the chain loses its transaction).
    // Dev only: the next calls of a function stay in the mempool, unmined, until replaced by fee
    r('POST', '/dev/hold', async (req) => {
      const body = parseBody(DropBody, req.body);
      await chain.holdNext(body.functionName, body.count ?? 1);
      return json({ functionName: body.functionName, count: body.count ?? 1 });
    }),

    r('POST', '/dev/drop', async (req) => {
      const body = parseBody(DropBody, req.body);
      await chain.dropNext(body.functionName, body.count ?? 1);
      return json({ functionName: body.functionName, count: body.count ?? 1 });
    }),

    // Dev only: mine now. Waiting transactions first, then `blocks` empty Stacks blocks
    // and `burnBlocks` burn blocks (a dispute window passes with burnBlocks: 6).
    r('POST', '/dev/mine', async (req) => {
      const body = parseBody(MineBody, req.body);
      const mined = await chain.mine(body.blocks ?? 0, body.burnBlocks ?? 0);
      const h = await chain.heights();
      return json({
        mined: mined.map((m) => ({ tx_id: `0x${m.tx.txid}`, tx_status: m.status, tx_result: m.result === null ? null : `0x${serializeCV(m.result).replace(/^0x/, '')}` })),
        stacks_tip_height: h.stacks,
        burn_block_height: h.burn,
      });
    }),
  ];
}

/** `limit` (1…max, default 20) and `offset` from the query, as the Hiro API pages. */
function paging(url: URL, max: number): { limit: number; offset: number } {
  const n = (k: string, fallback: number, hi: number) => {
    const raw = url.searchParams.get(k);
    if (raw === null) return fallback;
    if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) > hi) throw new LocalChainError('LOCALCHAIN_BAD_REQUEST', `${k} must be an integer from 0 to ${hi}`);
    return Number(raw);
  };
  return { limit: Math.max(1, n('limit', Math.min(20, max), max)), offset: n('offset', 0, 1_000_000_000) };
}

/** A Stacks block as /extended/v2/blocks shows it (execution costs are not tracked here: zero). */
function stacksBlockJson(b: StacksBlockView, tenureTip: number, tip: number): Json {
  const iso = (t: number) => new Date(t * 1000).toISOString();
  return {
    canonical: true,
    height: b.height,
    hash: blockHash('stacks', b.height),
    block_time: b.time,
    block_time_iso: iso(b.time),
    // the tenure height of older blocks is not kept: the tip's, capped by the block's own height
    tenure_height: Math.min(tenureTip, b.height),
    index_block_hash: blockHash('index', b.height),
    parent_block_hash: blockHash('stacks', b.height - 1),
    parent_index_block_hash: blockHash('index', b.height - 1),
    burn_block_time: b.time,
    burn_block_time_iso: iso(b.time),
    burn_block_hash: blockHash('burn', b.burnHeight),
    burn_block_height: b.burnHeight,
    miner_txid: blockHash('consensus', b.height),
    tx_count: b.txids.length,
    txs: b.txids.map((t) => `0x${t}`),
    confirmed: b.height <= tip,
    execution_cost_read_count: 0,
    execution_cost_read_length: 0,
    execution_cost_runtime: 0,
    execution_cost_write_count: 0,
    execution_cost_write_length: 0,
  };
}

function burnBlockJson(b: BurnBlockView): Json {
  const time = b.time ?? 0;
  return {
    burn_block_time: time,
    burn_block_time_iso: new Date(time * 1000).toISOString(),
    burn_block_hash: blockHash('burn', b.height),
    burn_block_height: b.height,
    stacks_blocks: b.stacksBlocks.map((h) => blockHash('stacks', h)),
    avg_block_time: 0,
    total_tx_count: b.txCount,
  };
}

function stxJson(balance: bigint, feesPaid: bigint, sent: string, received: string): Json {
  return {
    balance: balance.toString(),
    total_sent: sent,
    total_received: received,
    total_fees_sent: feesPaid.toString(),
    total_miner_rewards_received: '0',
    lock_tx_id: '',
    locked: '0',
    lock_height: 0,
    burnchain_lock_height: 0,
    burnchain_unlock_height: 0,
  };
}
