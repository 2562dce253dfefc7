// A client of one hub, with no node of its own (a page, a script): opening a channel
// through the account's wallet with a session key as its signer, paying over the hub
// link (peer/hub-link.ts), resuming from the store after a reload, and landing deposits,
// withdrawals and closes through the wallet. Browser-safe. It must not hold the
// account's key (the wallet does) nor write channel rules (client/src/channel does).
export { HubClientCode, HubClientError } from './errors.js';
export { openWithHub, resumeWithHub, type OpenTx, type OpenWithHubOptions, type ResumeWithHubOptions } from './open.js';
export {
  closeThroughWallet,
  depositThroughWallet,
  forceCloseThroughWallet,
  resolveThroughWallet,
  withdrawThroughWallet,
  type LandOptions,
  type Landed,
  type WalletChain,
} from './land.js';
