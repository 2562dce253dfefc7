// Public entry of the channel state machine: one side of a channel (PROTOCOL §4–5).
export { Channel, type ChannelConfig, type Role, type SignatureEvent } from './channel.js';
export { ChannelCode, ProtocolError, RemoteError, UsageError } from './errors.js';
export { applyOps, checkProposed, owed, type Rules } from './transition.js';
export { footing, isChainState, type ChainView, type Footing } from './footing.js';
export {
  PaymentFailedError, PaymentPendingError, type PayOptions, type PaymentReceipt, type PaymentStatus, type PaymentStatusKind,
} from './payments.js';
export { backendVerifier, checkSignature, nobleVerifier, recoveringVerifier, SIGNATURE_WRONG_KEY, type SignatureVerifier } from './verify.js';
