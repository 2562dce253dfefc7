// A `ws` WebSocket (Node: the node's listener and its dials) as a FrameSocket.
import type WebSocket from 'ws';
import { PeerCode, PeerError } from './errors.js';
import type { FrameSocket } from './frame-socket.js';

export function wsFrameSocket(socket: WebSocket): FrameSocket {
  return {
    get isOpen() {
      return socket.readyState === socket.OPEN;
    },
    send: (text) => socket.send(text),
    close: (code, reason) => socket.close(code, reason),
    ping: () => socket.ping(),
    listen(on) {
      socket.on('open', () => on.open());
      socket.on('message', (data, isBinary) => (isBinary ? on.binary() : on.text(data.toString())));
      socket.on('pong', () => on.pong());
      socket.on('error', (e: Error & { code?: string }) => {
        // ws refuses a frame over maxPayload with this code, before any of it is read
        const tooLarge = e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
        on.error(new PeerError(tooLarge ? PeerCode.TooLarge : PeerCode.Closed, tooLarge ? 'peer sent a frame over the size limit' : `socket error: ${e.message}`, { cause: e }));
      });
      socket.on('close', (code, reason) => on.close(code, reason.toString()));
    },
  };
}
