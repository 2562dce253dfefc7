// The peer layer: node-to-node connections over WebSocket (ws), one per peer carrying
// all the channels with it. Owns the frames, the authenticated handshake, per-connection
// limits (frame size, rate, keepalive), reconnecting and routing frames to the
// channel transports. It must not know channel rules (client/src/channel) or the chain:
// a channel's messages pass through as the wire layer made them. browser.ts is the part
// a page runs (its link to a hub); the rest needs Node.
export * from './browser.js';
export { wsFrameSocket } from './ws-socket.js';
export { PeerNetwork, type PeerNetworkOptions } from './network.js';
