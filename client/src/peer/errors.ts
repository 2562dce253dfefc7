// Errors of the peer layer: a frame that does not parse, a handshake that does not prove
// the key it claims, a peer that floods or goes silent. Owns only these classes; what a
// channel refuses inside a well-formed frame is channel/errors.ts's.
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

export const PeerCode = {
  /** a frame that is not JSON, not text, or fits no frame schema */
  Malformed: 'PEER_MALFORMED_FRAME',
  /** a frame longer than the limit (the socket is closed with 1009) */
  TooLarge: 'PEER_FRAME_TOO_LARGE',
  /** more frames than the per-peer rate allows */
  RateLimited: 'PEER_RATE_LIMITED',
  /** the handshake signature does not prove the key, or the key is not the principal's */
  AuthFailed: 'PEER_AUTH_FAILED',
  /** the peer authenticated as someone other than the principal we dialled */
  WrongPeer: 'PEER_WRONG_PRINCIPAL',
  /** the peer is on another chain (chain id) */
  WrongNetwork: 'PEER_WRONG_NETWORK',
  /** a channel frame before the handshake finished */
  NotAuthenticated: 'PEER_NOT_AUTHENTICATED',
  /** the handshake did not finish in time, or keepalive pings went unanswered */
  Timeout: 'PEER_TIMEOUT',
  /** a frame for a channel this node does not hold with this peer */
  UnknownChannel: 'PEER_UNKNOWN_CHANNEL',
  /** the peer refused us (its error frame's code is in details) */
  Refused: 'PEER_REFUSED',
  /** the connection closed or could not be made */
  Closed: 'PEER_CLOSED',
  /** the other side took a newer connection for the same peer and closed this one */
  Replaced: 'PEER_REPLACED',
} as const;
export type PeerCode = (typeof PeerCode)[keyof typeof PeerCode];

export class PeerError extends BitStreamError {
  constructor(code: PeerCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}

/** WebSocket close codes the peer layer uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  Protocol: 1002,
  Invalid: 1007,
  Policy: 1008,
  TooLarge: 1009,
} as const;
