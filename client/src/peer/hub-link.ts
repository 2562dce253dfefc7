// One peer a client keeps dialled: a page (or any client without a listener of its own)
// connected to its hub node. It dials the hub's URL, runs the same authenticated
// handshake and limits as node-to-node connections (connection.ts), and keeps one
// PeerSession across reconnects, so the channels bound to it resume when the hub is back.
// A hub that is away is dialled again with backoff; a hub that proves to be someone else,
// or on another chain, or that refuses our proof (an expired delegation), is not: that
// is a wrong address or a stale key, not an outage. Nor is it after the hub replaced
// this connection with a newer one for the same account (another tab, another device):
// dialling again would take the link back and the two would take turns for ever; the
// link ends with PEER_REPLACED and its owner says so. Browser-safe: the
// socket is the platform's WebSocket unless one is injected.
import { PeerConnection, connectionOptions, type ConnectionLimits } from './connection.js';
import { PeerCode, PeerError } from './errors.js';
import type { FrameSocket } from './frame-socket.js';
import { browserFrameSocket, type WhatwgWebSocketClass } from './browser-socket.js';
import type { PeerIdentity } from './handshake.js';
import { PeerSession, REPLACED, type AppHandler } from './session.js';

export interface HubLinkOptions extends ConnectionLimits {
  /** the hub's peer URL (ws:// on loopback, wss:// anywhere else) */
  readonly url: string;
  readonly identity: PeerIdentity;
  readonly chainId: number;
  readonly recover: (hash: Uint8Array, sig: Uint8Array) => Uint8Array;
  /** the hub's principal, when known: anyone else is refused */
  readonly expect?: string;
  /** the hub's node requests to us (default: every one refused) */
  readonly onRequest?: AppHandler;
  /** open a socket to `url` (default: the platform's WebSocket) */
  readonly socket?: (url: string) => FrameSocket;
  /** redial delays: first, then doubling up to max (default 250 ms to 5 s) */
  readonly redial?: { readonly firstMs: number; readonly maxMs: number };
  /** each connection that came up, and each that went (with why, null for a normal close) */
  readonly onConnected?: (session: PeerSession) => void;
  readonly onDisconnected?: (error: PeerError | null) => void;
}

/** errors that another dial would only repeat */
const FINAL: readonly string[] = [PeerCode.AuthFailed, PeerCode.WrongPeer, PeerCode.WrongNetwork, PeerCode.Replaced];

const refuseAll: AppHandler = (kind) => {
  throw new PeerError(PeerCode.Refused, `this client takes no ${kind} requests`);
};

function platformSocket(url: string): FrameSocket {
  const Ws = (globalThis as { WebSocket?: WhatwgWebSocketClass }).WebSocket;
  if (Ws === undefined) throw new PeerError(PeerCode.Closed, 'this platform has no WebSocket: pass HubLinkOptions.socket');
  return browserFrameSocket(new Ws(url));
}

export class HubLink {
  /** the session, once the first handshake succeeded (the same one after every reconnect) */
  session: PeerSession | null = null;
  /** resolves with the session at the first handshake; rejects if the hub proves to be someone else */
  readonly ready: Promise<PeerSession>;
  /** why the last connection ended or the last dial failed */
  lastError: PeerError | null = null;
  private settle!: { resolve: (s: PeerSession) => void; reject: (e: PeerError) => void };
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private delay: number;
  private current: PeerConnection | null = null;

  constructor(private readonly o: HubLinkOptions) {
    this.delay = o.redial?.firstMs ?? 250;
    this.ready = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.ready.catch(() => undefined); // the owner observes it
    this.dial();
  }

  get connected(): boolean {
    return this.session?.connected ?? false;
  }

  /** Stop dialling and close the connection. */
  close(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.current?.close('client closing');
    if (this.session === null) this.settle.reject(new PeerError(PeerCode.Closed, 'the link was closed before it connected'));
  }

  private dial(): void {
    if (this.stopped) return;
    let conn: PeerConnection;
    try {
      const expect = this.session?.principal ?? this.o.expect;
      conn = new PeerConnection((this.o.socket ?? platformSocket)(this.o.url), connectionOptions(this.o, true, expect));
    } catch (e) {
      this.ended(e instanceof PeerError ? e : new PeerError(PeerCode.Closed, `could not dial ${this.o.url}: ${String(e)}`, { cause: e }));
      return;
    }
    this.current = conn;
    conn.ready.then((peer) => {
      if (this.stopped) {
        conn.close('client closing');
        return;
      }
      this.delay = this.o.redial?.firstMs ?? 250;
      const first = this.session === null;
      if (first) this.session = new PeerSession(peer.principal, peer.publicKey, this.o.onRequest ?? refuseAll);
      this.session!.use(conn, peer.publicKey);
      if (first) this.settle.resolve(this.session!);
      this.o.onConnected?.(this.session!);
      void conn.closed.then((e) => this.ended(conn.closeReason === REPLACED
        ? new PeerError(PeerCode.Replaced, 'the hub took a newer connection for this account (another tab or device): this one stops', { details: { reason: REPLACED } })
        : e));
    }, (e: PeerError) => this.ended(e));
  }

  private ended(e: PeerError | null): void {
    this.current = null;
    this.lastError = e;
    if (this.stopped) return;
    this.o.onDisconnected?.(e);
    // ours, or the hub's refusal of us (its error frame's code)
    const code = e === null ? undefined : e.code === PeerCode.Refused ? (e.details as { code?: string }).code : e.code;
    if (e !== null && code !== undefined && FINAL.includes(code)) {
      // a wrong address or chain, or a stale key: dialling again would only repeat it
      this.stopped = true;
      if (this.session === null) this.settle.reject(e);
      return;
    }
    this.timer = setTimeout(() => this.dial(), this.delay);
    this.delay = Math.min(this.delay * 2, this.o.redial?.maxMs ?? 5_000);
  }
}
