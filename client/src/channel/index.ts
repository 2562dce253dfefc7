// Public entry of the channel state machine: one side of a channel (PROTOCOL §4–5).
export { Channel, type ChannelConfig, type Role, type SignatureEvent } from './channel.js';
export { ChannelCode, ProtocolError, RemoteError, UsageError } from './errors.js';
export { applyOps, checkProposed, type Rules } from './transition.js';
export { backendVerifier, checkSignature, nobleVerifier, recoveringVerifier, SIGNATURE_WRONG_KEY, type SignatureVerifier } from './verify.js';
