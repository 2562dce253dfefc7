// The signers' public entry. WalletSigner loads @stacks/connect only when it first asks
// a wallet to sign, so importing this entry costs nothing in Node.
export type { Signer } from './signer.js';
export { LocalKeySigner, type KeySignerOptions } from './local.js';
export { SessionKeySigner } from './session.js';
export {
  WalletSigner,
  type WalletSignerOptions,
  type StructuredMessageRequest,
  type StructuredMessageParams,
  type StructuredMessageResult,
} from './wallet.js';
export { normaliseWalletSignature } from './wallet-signature.js';
export * from './errors.js';
