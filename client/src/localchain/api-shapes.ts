// The JSON the local chain answers with, in the shapes of the Stacks node (/v2) and the
// Stacks API (/extended), as far as @stacks/transactions, @stacks/network and wallets
// read them: transactions (pending and mined) with results, events and post-conditions,
// and the fields of /v2/info. Pure functions from chain data to plain JSON (no bigints:
// amounts are decimal strings where the API has strings). No I/O.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  FungibleConditionCode,
  NonFungibleConditionCode,
  PostConditionPrincipalId,
  PostConditionType,
  abiFunctionToString,
  cvToString,
  serializeCV,
  type ClarityAbiFunction,
  type ClarityValue,
  type PostConditionWire,
} from '@stacks/transactions';
import type { DecodedTx } from './decode-tx.js';
import type { ChainEvent } from './post-conditions.js';
import { assetId, postConditionPrincipal } from './post-conditions.js';
import type { MinedTx } from './producer.js';
import type { PendingTx } from './mempool.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A Clarity value as the API shows it. */
export function clarityJson(cv: ClarityValue): { hex: string; repr: string } {
  return { hex: `0x${serializeCV(cv).replace(/^0x/, '')}`, repr: cvToString(cv) };
}

/** A stable fake hash for the block at `height` (the simnet has no real block hashes). */
export function blockHash(kind: 'stacks' | 'burn' | 'consensus' | 'index', height: number): string {
  return `0x${bytesToHex(sha256(utf8ToBytes(`bitstream-localchain:${kind}:${height}`)))}`;
}

/** GET /extended/v1/tx/{txid}, for a waiting transaction. */
export function pendingTxJson(p: PendingTx, abi: ClarityAbiFunction | undefined): Json {
  return {
    ...txBase(p.tx, abi),
    tx_status: 'pending',
    receipt_time: p.receivedAt,
    receipt_time_iso: new Date(p.receivedAt * 1000).toISOString(),
  };
}

/** GET /extended/v1/tx/{txid}, for one admitted but replaced or evicted (never mined). */
export function droppedTxJson(p: PendingTx & { readonly status: string }, abi: ClarityAbiFunction | undefined): Json {
  return { ...txBase(p.tx, abi), tx_status: p.status, receipt_time: p.receivedAt, receipt_time_iso: new Date(p.receivedAt * 1000).toISOString() };
}

/** GET /extended/v1/tx/{txid}, for a mined (or dropped) transaction. */
export function minedTxJson(m: MinedTx, abi: ClarityAbiFunction | undefined): Json {
  const txid = `0x${m.tx.txid}`;
  const base = { ...txBase(m.tx, abi), tx_status: m.status, receipt_time: m.receivedAt };
  if (m.status === 'dropped_problematic') return { ...base, vm_error: m.vmError };
  const iso = new Date(m.blockTime * 1000).toISOString();
  return {
    ...base,
    block_hash: blockHash('stacks', m.blockHeight),
    block_height: m.blockHeight,
    block_time: m.blockTime,
    block_time_iso: iso,
    burn_block_height: m.burnBlockHeight,
    burn_block_time: m.blockTime,
    burn_block_time_iso: iso,
    parent_block_hash: blockHash('stacks', m.blockHeight - 1),
    canonical: true,
    tx_index: 0,
    is_unanchored: false,
    microblock_canonical: true,
    tx_result: m.result === null ? clarityJson({ type: 'err', value: { type: 'none' } } as ClarityValue) : clarityJson(m.result),
    vm_error: m.vmError,
    event_count: m.events.length,
    events: m.events.map((e, i) => eventJson(e, i, txid)),
  };
}

/** `abi`: the called function's, for argument names and the signature, when known. */
function txBase(tx: DecodedTx, abi: ClarityAbiFunction | undefined): { [key: string]: Json } {
  const base: { [key: string]: Json } = {
    tx_id: `0x${tx.txid}`,
    nonce: Number(tx.nonce),
    fee_rate: tx.fee.toString(),
    sender_address: tx.origin,
    sponsored: false,
    post_condition_mode: tx.postConditionMode,
    post_conditions: tx.postConditions.map((pc) => postConditionJson(pc, tx.origin)),
    anchor_mode: 'any',
    tx_type: tx.payload.kind,
  };
  const p = tx.payload;
  switch (p.kind) {
    case 'token_transfer':
      base['token_transfer'] = { recipient_address: p.recipient, amount: p.amount.toString(), memo: `0x${bytesToHex(utf8ToBytes(p.memo))}` };
      break;
    case 'contract_call': {
      base['contract_call'] = {
        contract_id: p.contractId,
        function_name: p.functionName,
        function_signature: abi === undefined ? '' : abiFunctionToString(abi),
        function_args: p.args.map((a, i) => ({
          ...clarityJson(a),
          name: abi?.args[i]?.name ?? `arg${i}`,
          type: a.type,
        })),
      };
      break;
    }
    case 'smart_contract':
      base['smart_contract'] = { clarity_version: p.clarityVersion, contract_id: p.contractId, source_code: p.source };
      break;
  }
  return base;
}

const FUNGIBLE_CODES: Record<FungibleConditionCode, string> = {
  [FungibleConditionCode.Equal]: 'sent_equal_to',
  [FungibleConditionCode.Greater]: 'sent_greater_than',
  [FungibleConditionCode.GreaterEqual]: 'sent_greater_than_or_equal_to',
  [FungibleConditionCode.Less]: 'sent_less_than',
  [FungibleConditionCode.LessEqual]: 'sent_less_than_or_equal_to',
};
const NFT_CODES: Record<NonFungibleConditionCode, string> = {
  [NonFungibleConditionCode.Sends]: 'sent',
  [NonFungibleConditionCode.DoesNotSend]: 'not_sent',
  [NonFungibleConditionCode.MaybeSent]: 'maybe_sent',
};

function postConditionJson(pc: PostConditionWire, origin: string): Json {
  const who = postConditionPrincipal(pc.principal, origin);
  const [address, contractName] = who.split('.');
  const principal: Json = pc.principal.prefix === PostConditionPrincipalId.Origin
    ? { type_id: 'principal_origin' }
    : contractName === undefined
      ? { type_id: 'principal_standard', address: address! }
      : { type_id: 'principal_contract', address: address!, contract_name: contractName };
  switch (pc.conditionType) {
    case PostConditionType.STX:
      return { type: 'stx', condition_code: FUNGIBLE_CODES[pc.conditionCode], amount: pc.amount.toString(), principal };
    case PostConditionType.Fungible:
      return { type: 'fungible', condition_code: FUNGIBLE_CODES[pc.conditionCode], amount: pc.amount.toString(), principal, asset: assetJson(assetId(pc.asset)) };
    case PostConditionType.NonFungible:
      return { type: 'non_fungible', condition_code: NFT_CODES[pc.conditionCode], principal, asset: assetJson(assetId(pc.asset)), asset_value: clarityJson(pc.assetName) };
    default:
      return { type: 'unsupported', principal };
  }
}

function assetJson(id: string): Json {
  const [contract, assetName] = id.split('::');
  const [contractAddress, contractName] = contract!.split('.');
  return { asset_name: assetName!, contract_address: contractAddress!, contract_name: contractName! };
}

/** One simnet event in the API's event shape. */
export function eventJson(e: ChainEvent, index: number, txid: string): Json {
  const d = e.data;
  const s = (k: string): string => String(d[k] ?? '');
  const common = { event_index: index, tx_id: txid };
  const value = (): Json => (d.value !== undefined ? clarityJson(d.value) : { hex: s('raw_value'), repr: '' });
  const [family, action] = splitEvent(e.event);
  switch (family) {
    case 'stx':
      if (action === 'lock') {
        return { ...common, event_type: 'stx_lock', stx_lock_event: { locked_amount: s('locked_amount'), unlock_height: Number(d['unlock_height'] ?? 0), locked_address: s('locked_address') } };
      }
      return { ...common, event_type: 'stx_asset', asset: { asset_event_type: action, sender: s('sender'), recipient: s('recipient'), amount: s('amount'), ...(d['memo'] !== undefined ? { memo: memoHex(s('memo')) } : {}) } };
    case 'ft':
      return { ...common, event_type: 'fungible_token_asset', asset: { asset_event_type: action, asset_id: s('asset_identifier'), sender: s('sender'), recipient: s('recipient'), amount: s('amount') } };
    case 'nft':
      return { ...common, event_type: 'non_fungible_token_asset', asset: { asset_event_type: action, asset_id: s('asset_identifier'), sender: s('sender'), recipient: s('recipient'), value: value() } };
    case 'print':
      return { ...common, event_type: 'smart_contract_log', contract_log: { contract_id: s('contract_identifier'), topic: s('topic') || 'print', value: value() } };
    default:
      return { ...common, event_type: e.event };
  }
}

/** The API shows a transfer memo as 0x-hex; the simnet gives text or hex. */
function memoHex(memo: string): string {
  return memo.startsWith('0x') ? memo : `0x${bytesToHex(utf8ToBytes(memo))}`;
}

/** `stx_transfer_event` → ['stx', 'transfer'], `print_event` → ['print', ''] */
function splitEvent(name: string): [string, string] {
  const parts = name.replace(/_event$/, '').split('_');
  return [parts[0] ?? '', parts.slice(1).join('_')];
}
