// Public entry of the wire layer: versioned messages, their schemas, transports.
export { encodeMessage, messageToJson, parseMessage, MAX_MESSAGE_BYTES, WIRE_VERSION } from './messages.js';
export type { AckMessage, ErrorMessage, Message, Op, ProposalMessage, SecretMessage, SignatureMessage } from './messages.js';
export { WireCode, WireError } from './errors.js';
export type { Transport } from './transport.js';
export { memoryPair, MemoryEnd, type Faults } from './memory-transport.js';
