// The peer layer: node-to-node connections over WebSocket (ws), one per peer carrying
// all the channels with it. Owns the frames, the authenticated handshake, per-connection
// limits (frame size, rate, keepalive), reconnecting and routing frames to the
// channel transports. It must not know channel rules (client/src/channel) or the chain:
// a channel's messages pass through as the wire layer made them.
export { CloseCode, PeerCode, PeerError } from './errors.js';
export { MAX_FRAME_BYTES, PEER_PROTOCOL_VERSION, parseFrame, type Frame } from './frames.js';
export { Handshake, handshakeDigest, principalOf, type AuthenticatedPeer, type PeerIdentity } from './handshake.js';
export { keyIdentity } from './identity.js';
export { PeerConnection, type ConnectionLimits } from './connection.js';
export { PeerSession, type AppHandler } from './session.js';
export { PeerNetwork, type PeerNetworkOptions } from './network.js';
export { TokenBucket, type RateLimit } from './rate.js';
