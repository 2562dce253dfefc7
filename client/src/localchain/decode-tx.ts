// Decoding and static verification of a posted transaction: body → bytes → wire
// transaction, then the checks that need no chain state (transaction version, chain id,
// the origin's signature, a payload kind the mempool takes). Failures are
// MempoolRejections in the node's vocabulary. It must not read or touch the simnet:
// nonces, balances and contracts are the mempool's checks (mempool.ts).
import {
  AddressHashMode,
  AuthType,
  PayloadType,
  PostConditionMode,
  addressFromVersionHash,
  addressHashModeToVersion,
  addressToString,
  deserializeTransaction,
  type ClarityValue,
  type PostConditionWire,
  type StacksTransactionWire,
} from '@stacks/transactions';
import { TransactionVersion } from '@stacks/network';
import { sha512_256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { MempoolRejection } from './errors.js';

/** What a transaction asks the chain to do. */
export type TxPayload =
  | { readonly kind: 'token_transfer'; readonly recipient: string; readonly amount: bigint; readonly memo: string }
  | { readonly kind: 'contract_call'; readonly contractId: string; readonly functionName: string; readonly args: readonly ClarityValue[] }
  | { readonly kind: 'smart_contract'; readonly contractId: string; readonly name: string; readonly source: string; readonly clarityVersion: number | null };

export type PostConditionModeName = 'allow' | 'deny' | 'originator';

/** A transaction that decoded and passed the stateless checks. */
export interface DecodedTx {
  /** hex, no 0x (as the node's txid strings) */
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly wire: StacksTransactionWire;
  /** the origin's address: the sender of the payload and payer of the fee */
  readonly origin: string;
  readonly nonce: bigint;
  readonly fee: bigint;
  readonly payload: TxPayload;
  readonly postConditions: readonly PostConditionWire[];
  readonly postConditionMode: PostConditionModeName;
}

/** The testnet chain id (0x80000000): devnet and the simnet use it too. */
export const TESTNET_CHAIN_ID = 0x80000000;

/**
 * The transaction bytes of a POST /v2/transactions body: the raw bytes for
 * application/octet-stream (the node's native form), or JSON `{tx: hex}` (what
 * @stacks/transactions' broadcastTransaction sends).
 */
export function transactionBytes(body: Uint8Array, contentType: string | undefined): Uint8Array {
  if (!(contentType ?? '').toLowerCase().includes('application/json')) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (cause) {
    throw new MempoolRejection('Deserialization', { message: 'body is not JSON' }, '', { cause });
  }
  const hex = typeof parsed === 'object' && parsed !== null ? (parsed as { tx?: unknown }).tx : undefined;
  if (typeof hex !== 'string' || !/^(0x)?([0-9a-fA-F]{2})+$/.test(hex)) {
    throw new MempoolRejection('Deserialization', { message: 'JSON body needs {"tx": "<hex of the transaction>"}' }, '');
  }
  return hexToBytes(hex.replace(/^0x/, ''));
}

/** Decode and statically verify a transaction for the network of `chainId`. */
export function decodeTransaction(raw: Uint8Array, chainId: number = TESTNET_CHAIN_ID): DecodedTx {
  const wire = deserialize(raw);
  const txid = wire.txid();
  const reject = (reason: ConstructorParameters<typeof MempoolRejection>[0], message: string, cause?: unknown): never => {
    throw new MempoolRejection(reason, { message }, txid, { cause });
  };

  // A mainnet transaction (version 0x00) is refused before anything else, as the node does.
  if (wire.transactionVersion !== TransactionVersion.Testnet) {
    reject('BadTransactionVersion', `transaction version 0x${wire.transactionVersion.toString(16)} is not testnet (0x80)`);
  }
  // The chain id is part of what the origin signed: a transaction signed for another
  // chain never runs here (stacks-core refuses it as FailedToValidate).
  if (wire.chainId !== chainId) {
    reject('SignatureValidation', `chain id 0x${wire.chainId.toString(16)} does not match this chain (0x${chainId.toString(16)})`);
  }
  // Sponsored transactions need a second signature and a second payer; nothing here uses them.
  if (wire.auth.authType !== AuthType.Standard) {
    reject('ServerFailureOther', 'sponsored transactions are not supported by the local chain');
  }
  // The origin signed the sighash: recover its key from the signature and check that the
  // key hashes to the signer the spending condition names.
  try {
    wire.verifyOrigin();
  } catch (cause) {
    reject('SignatureValidation', `origin signature does not verify: ${(cause as Error).message}`, cause);
  }

  const condition = wire.auth.spendingCondition;
  const origin = addressToString(
    addressFromVersionHash(addressHashModeToVersion(condition.hashMode as AddressHashMode, 'testnet'), condition.signer),
  );
  return {
    txid,
    raw,
    wire,
    origin,
    nonce: BigInt(condition.nonce),
    fee: BigInt(condition.fee),
    payload: payloadOf(wire, origin, reject),
    postConditions: wire.postConditions.values as PostConditionWire[],
    postConditionMode: modeName(wire.postConditionMode),
  };
}

/** The node's txid of undecodable bytes is unknown; a best-effort id helps logs only. */
export function rawTxid(raw: Uint8Array): string {
  return bytesToHex(sha512_256(raw));
}

function deserialize(raw: Uint8Array): StacksTransactionWire {
  let wire: StacksTransactionWire;
  try {
    wire = deserializeTransaction(raw);
  } catch (cause) {
    throw new MempoolRejection('Deserialization', { message: `not a Stacks transaction: ${(cause as Error).message}` }, '', { cause });
  }
  // Trailing bytes or a non-canonical encoding would give the same txid to two byte
  // strings; the node reads exactly one transaction, so must we.
  let canonical: string;
  try {
    canonical = wire.serialize();
  } catch (cause) {
    throw new MempoolRejection('Deserialization', { message: 'transaction does not re-encode' }, '', { cause });
  }
  if (canonical !== bytesToHex(raw)) {
    throw new MempoolRejection('Deserialization', { message: 'trailing or non-canonical bytes after the transaction' }, rawTxid(raw));
  }
  return wire;
}

function payloadOf(wire: StacksTransactionWire, origin: string, reject: (r: 'NoCoinbaseViaMempool' | 'ServerFailureOther', m: string) => never): TxPayload {
  const p = wire.payload;
  switch (p.payloadType) {
    case PayloadType.TokenTransfer:
      return { kind: 'token_transfer', recipient: principalOf(p.recipient), amount: p.amount, memo: p.memo.content };
    case PayloadType.ContractCall:
      return {
        kind: 'contract_call',
        contractId: `${addressToString(p.contractAddress)}.${p.contractName.content}`,
        functionName: p.functionName.content,
        args: p.functionArgs,
      };
    case PayloadType.SmartContract:
    case PayloadType.VersionedSmartContract:
      return {
        kind: 'smart_contract',
        contractId: `${origin}.${p.contractName.content}`,
        name: p.contractName.content,
        source: p.codeBody.content,
        clarityVersion: p.payloadType === PayloadType.VersionedSmartContract ? p.clarityVersion : null,
      };
    case PayloadType.Coinbase:
    case PayloadType.CoinbaseToAltRecipient:
    case PayloadType.NakamotoCoinbase:
      return reject('NoCoinbaseViaMempool', 'coinbase transactions are made by miners');
    default:
      return reject('ServerFailureOther', `payload type ${p.payloadType} is not accepted by the local chain`);
  }
}

function principalOf(cv: ClarityValue): string {
  if (cv.type === 'address' || cv.type === 'contract') return cv.value;
  throw new MempoolRejection('Deserialization', { message: 'transfer recipient is not a principal' }, '');
}

function modeName(mode: PostConditionMode): PostConditionModeName {
  switch (mode) {
    case PostConditionMode.Allow: return 'allow';
    case PostConditionMode.Deny: return 'deny';
    default: return 'originator';
  }
}
