// The little a peer connection needs of a WebSocket, so connection.ts runs on the `ws`
// package in Node (ws-socket.ts) and on the browser's own WebSocket (browser-socket.ts)
// alike. Text frames in and out, a close with a code, the events; a keepalive probe only
// where the platform can send one (a browser cannot ping: the node it dials pings it, and
// the browser answers by itself).
import type { PeerError } from './errors.js';

export interface FrameSocketEvents {
  /** the socket is open (not called if it was open when the events were attached) */
  open(): void;
  text(data: string): void;
  /** a binary frame (the peer protocol is text only) */
  binary(): void;
  /** the answer to `ping` */
  pong(): void;
  /** the socket failed; `close` follows */
  error(e: PeerError): void;
  close(code: number, reason: string): void;
}

export interface FrameSocket {
  readonly isOpen: boolean;
  send(text: string): void;
  close(code: number, reason: string): void;
  /** send a keepalive probe; null where the platform has none */
  readonly ping: (() => void) | null;
  /** attach the one set of handlers */
  listen(events: FrameSocketEvents): void;
}
