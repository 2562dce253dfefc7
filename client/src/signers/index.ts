// The signers' public entry. WalletSigner (./wallet.js) is the package's `/wallet` entry
// (client/src/wallet-entry.ts): it imports @stacks/connect, an optional peer dependency,
// which a bundler must not be asked to resolve for a page that never uses a wallet.
export type { Signer } from './signer.js';
export { LocalKeySigner, type KeySignerOptions } from './local.js';
export { SessionKeySigner } from './session.js';
export { normaliseWalletSignature } from './wallet-signature.js';
export * from './errors.js';
