// The package's `bitstream-channels/wallet` entry: the signer that asks a browser wallet
// (Leather, Xverse, through @stacks/connect) to sign each state. @stacks/connect is an
// optional peer dependency, loaded on the first signature: install it where this is used.
export {
  WalletSigner,
  isWalletRejection,
  type WalletSignerOptions,
  type StructuredMessageRequest,
  type StructuredMessageParams,
  type StructuredMessageResult,
} from './signers/wallet.js';
