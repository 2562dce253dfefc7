// The names the scheme puts on the wire: its x402 scheme id, the CAIP-2 networks, the
// header a client's proposal rides on.
import { BitStreamError } from '../errors/errors.js';

/** The x402 scheme id of a payment made with a BitStream channel state. */
export const SCHEME = 'bitstream';
/** CAIP-2 ids of the Stacks networks (the chain id after the colon). */
export const STACKS_MAINNET = 'stacks:1';
export const STACKS_TESTNET = 'stacks:2147483648';
export type StacksNetwork = typeof STACKS_MAINNET | typeof STACKS_TESTNET;

/**
 * The header of an unpaid request that carries the client's proposal of the state paying
 * for it. x402 has no place for a message before the payment, and PROTOCOL §4.1 has the
 * payee sign first: the proposal rides here and the 402 answers with that signature.
 */
export const PROPOSAL_HEADER = 'BitStream-Proposal';

/** The CAIP-2 network of a chain id (1 mainnet; 0x80000000 testnet, devnet and the local chain). */
export function networkOf(chainId: number): StacksNetwork {
  if (chainId === 1) return STACKS_MAINNET;
  if (chainId === 0x80000000) return STACKS_TESTNET;
  throw new BitStreamError('X402_BAD_NETWORK', `chain id ${chainId} is not a Stacks network x402 names`, { details: { chainId } });
}

/**
 * x402's payment-identifier extension: the client names its payment so that a retry of
 * the same paid request is never charged twice. BitStream's id is the payment id the
 * state's data binds (PROTOCOL §11, Retries).
 */
export const PAYMENT_IDENTIFIER = 'payment-identifier';
/** How many times a route that declares payment-identifier serves a retry of its last payment (the default). */
export const DEFAULT_RETRIES = 2;
