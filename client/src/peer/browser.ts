// The part of the peer layer a page can run (no `ws`, no `node:*`): the frames, the
// handshake (with a session key's delegation), one connection's rules, the session, and
// the link a client keeps to its hub over the platform's WebSocket. The main entry
// exports this; the listener and the dialler of many peers (network.ts) are Node's.
export { CloseCode, PeerCode, PeerError } from './errors.js';
export { MAX_FRAME_BYTES, PEER_PROTOCOL_VERSION, parseFrame, type Frame } from './frames.js';
export { Handshake, handshakeDigest, principalOf, type AuthenticatedPeer, type PeerIdentity } from './handshake.js';
export { DELEGATION_DOMAIN_NAME, MAX_DELEGATION_SECONDS, checkDelegation, delegationHash, delegationMessage, type Delegation } from './delegation.js';
export { delegatedIdentity, keyIdentity } from './identity.js';
export { PeerConnection, type ConnectionLimits } from './connection.js';
export type { FrameSocket, FrameSocketEvents } from './frame-socket.js';
export { browserFrameSocket, type WhatwgWebSocket, type WhatwgWebSocketClass } from './browser-socket.js';
export { PeerSession, type AppHandler } from './session.js';
export { HubLink, type HubLinkOptions } from './hub-link.js';
export { TokenBucket, type RateLimit } from './rate.js';
