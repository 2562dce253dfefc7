// A client of one hub, with no node of its own (a page, a script): opening a channel
// through the account's wallet with a session key as its signer, then paying over the
// hub link (peer/hub-link.ts). Browser-safe. It must not hold the account's key (the
// wallet does) nor write channel rules (client/src/channel does).
export { HubClientCode, HubClientError } from './errors.js';
export { openWithHub, type OpenTx, type OpenWithHubOptions } from './open.js';
