// Pay-per-call over HTTP 402 (x402 version 2) with BitStream channels: a payment scheme
// for the official @x402 client and resource server (register(network, scheme)), the
// facilitator that settles on the server's channels, and the client's fetch courier.
// Owns: the scheme's wire (headers, payload, offer), the request binding, the spend caps.
// Must not touch: the channel's rules (it drives the Channel through its messages only),
// the stores, the peer layer. Nothing here calls the chain.
export { SCHEME, STACKS_MAINNET, STACKS_TESTNET, PROPOSAL_HEADER, PAYMENT_IDENTIFIER, DEFAULT_RETRIES, networkOf, type StacksNetwork } from './names.js';
export { paymentOf } from './forms.js';
export { bindingData, requestPath, type RequestBinding } from './binding.js';
export { Courier } from './courier.js';
export { X402Code, X402Error } from './errors.js';
export { BitStreamServerScheme, type ServerSchemeOptions } from './server-scheme.js';
export { ChannelFacilitator } from './facilitator.js';
export { PayeeDesk, type Desk, type PayeeChannel, type Priced } from './payee-desk.js';
export { NodeDesk, type NodeDeskOptions } from './node-desk.js';
export { BitStreamClientScheme } from './client-scheme.js';
export { Payer, type PayerChannel, type PayerOptions, type SpendCaps } from './payer.js';
