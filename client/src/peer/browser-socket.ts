// The browser's WebSocket (or any WHATWG one: Deno, Node ≥ 22) as a FrameSocket. Typed by
// the subset it uses, not the DOM library (which would retype Node's fetch for the whole
// project). A page's socket cannot refuse an oversized frame before reading it, as `ws`
// does with maxPayload, so the size is checked here, before a frame is parsed.
import { PeerCode, PeerError } from './errors.js';
import type { FrameSocket } from './frame-socket.js';
import { MAX_FRAME_BYTES } from './frames.js';

export interface WhatwgWebSocket {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (ev: { readonly code: number; readonly reason: string }) => void): void;
}

export type WhatwgWebSocketClass = new (url: string) => WhatwgWebSocket;

const OPEN = 1;
const utf8 = new TextEncoder();

export function browserFrameSocket(socket: WhatwgWebSocket): FrameSocket {
  socket.binaryType = 'arraybuffer';
  return {
    get isOpen() {
      return socket.readyState === OPEN;
    },
    send: (text) => socket.send(text),
    close: (code, reason) => socket.close(code, reason),
    ping: null,
    listen(on) {
      socket.addEventListener('open', () => on.open());
      socket.addEventListener('message', (ev) => {
        if (typeof ev.data !== 'string') {
          on.binary();
          return;
        }
        // a UTF-8 string is at most 3 bytes a UTF-16 unit: count bytes only when it may be over
        if (ev.data.length * 3 > MAX_FRAME_BYTES && utf8.encode(ev.data).length > MAX_FRAME_BYTES) {
          on.error(new PeerError(PeerCode.TooLarge, 'peer sent a frame over the size limit'));
          socket.close(1009, PeerCode.TooLarge);
          return;
        }
        on.text(ev.data);
      });
      // the browser says nothing about why; `close` follows with the code
      socket.addEventListener('error', () => undefined);
      socket.addEventListener('close', (ev) => on.close(ev.code, ev.reason));
    },
  };
}
