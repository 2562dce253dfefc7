// One WebSocket to one peer: runs the handshake (handshake.ts) with a deadline, then
// carries channel messages and node requests both ways. It enforces the per-connection
// rules: text frames only, each parsing as a frame (frames.ts), nothing but the
// handshake before it completes, the frame rate, the frame size (the socket's
// maxPayload), and keepalive (a ping each interval; two intervals without a pong or a
// frame and the socket is dropped). Any breach gets an error frame and a closed socket,
// with the reason kept as a PeerError. It knows nothing of channels: network.ts routes.
// The socket is a FrameSocket: `ws` in Node, the browser's WebSocket in a page (which
// cannot ping, so there the node's pings keep the connection alive).
import { CloseCode, PeerCode, PeerError } from './errors.js';
import type { FrameSocket } from './frame-socket.js';
import { frameText, msgFrameText, parseFrame, type AppFrame, type Frame } from './frames.js';
import { Handshake, type AuthenticatedPeer, type HandshakeOptions } from './handshake.js';
import { TokenBucket, type RateLimit } from './rate.js';

export interface ConnectionLimits {
  /** the handshake must finish within this (default 10 s) */
  readonly handshakeMs?: number;
  /** ping interval (default 15 s; 0: no keepalive) */
  readonly keepaliveMs?: number;
  /** frames a peer may send (default 5,000/s sustained, 20,000 burst) */
  readonly rate?: RateLimit;
}

export type ConnectionOptions = Omit<HandshakeOptions, 'nonce'> & ConnectionLimits;

/** A connection's options from its owner's (PeerNetwork's, HubLink's): who we are, and the limits set. */
export function connectionOptions(
  o: Pick<HandshakeOptions, 'identity' | 'chainId' | 'recover'> & ConnectionLimits,
  dialler: boolean,
  expect: string | undefined,
): ConnectionOptions {
  return {
    identity: o.identity, chainId: o.chainId, recover: o.recover, dialler,
    ...(expect === undefined ? {} : { expect }),
    ...(o.handshakeMs === undefined ? {} : { handshakeMs: o.handshakeMs }),
    ...(o.keepaliveMs === undefined ? {} : { keepaliveMs: o.keepaliveMs }),
    ...(o.rate === undefined ? {} : { rate: o.rate }),
  };
}

export interface ConnectionEvents {
  /** a channel message for channel `channelId` (hex), as parsed JSON */
  onMsg(channelId: string, message: unknown): void;
  onApp(frame: AppFrame): void;
  /** once, when the socket is gone; `error` says why when it was not a normal close */
  onClose(error: PeerError | null): void;
}

const DEFAULT_RATE: RateLimit = { perSecond: 5000, burst: 20_000 };

const closeCodeOf = (code: string): number =>
  code === PeerCode.Malformed || code === PeerCode.NotAuthenticated ? CloseCode.Protocol
    : code === PeerCode.TooLarge ? CloseCode.TooLarge
      : code === PeerCode.Timeout ? CloseCode.GoingAway
        : CloseCode.Policy;

export class PeerConnection {
  /** resolves with the authenticated peer; rejects with the PeerError that ended the handshake */
  readonly ready: Promise<AuthenticatedPeer>;
  peer: AuthenticatedPeer | null = null;
  /**
   * The peer's auth, verified, while ours is still being signed. The handshake is done
   * only once both are: the peer takes frames only after our auth, so announcing the
   * connection earlier would let a node request reach the peer before it (PEER_NOT_AUTHENTICATED).
   */
  private verified: AuthenticatedPeer | null = null;
  private authSent = false;
  /** frames the authenticated peer sent before our auth went out */
  private readonly waiting: Frame[] = [];
  /** why the connection ended, once it has */
  error: PeerError | null = null;
  /** resolves when the connection has ended: with why, or null for a normal close */
  readonly closed: Promise<PeerError | null>;
  private onEnded!: (e: PeerError | null) => void;
  readonly dialler: boolean;
  private readonly handshake: Handshake;
  private readonly bucket: TokenBucket;
  private events: ConnectionEvents | null = null;
  /** frames that came after the handshake but before attach() */
  private early: (() => void)[] = [];
  private settle!: { resolve: (p: AuthenticatedPeer) => void; reject: (e: PeerError) => void };
  /** the reason the other side gave when it closed the socket ('' for none; null while open or closed by us) */
  closeReason: string | null = null;
  private ended = false;
  private heardSincePing = true;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];

  constructor(private readonly socket: FrameSocket, o: ConnectionOptions) {
    this.dialler = o.dialler;
    this.handshake = new Handshake(o);
    this.bucket = new TokenBucket(o.rate ?? DEFAULT_RATE);
    this.ready = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.ready.catch(() => undefined); // the owner observes it; a failed handshake must not be unhandled
    this.closed = new Promise((resolve) => {
      this.onEnded = resolve;
    });
    const hello = () => this.sendText(frameText(this.handshake.hello));
    socket.listen({
      open: hello,
      text: (data) => this.onFrame(data, false),
      binary: () => this.onFrame('', true),
      pong: () => {
        this.heardSincePing = true;
      },
      error: (e) => this.end(e),
      close: (code, text) => {
        this.closeReason = text;
        this.end(code === CloseCode.Normal || code === CloseCode.GoingAway && text === '' ? null
          : new PeerError(PeerCode.Closed, `connection closed (${code}${text === '' ? '' : `: ${text}`})`, { details: { code, reason: text } }));
      },
    });
    const handshakeMs = o.handshakeMs ?? 10_000;
    this.timers.push(setTimeout(() => {
      if (this.peer === null) this.fail(new PeerError(PeerCode.Timeout, `handshake not finished within ${handshakeMs} ms`));
    }, handshakeMs));
    const keepaliveMs = o.keepaliveMs ?? 15_000;
    const ping = socket.ping;
    if (keepaliveMs > 0 && ping !== null) {
      this.timers.push(setInterval(() => {
        if (!this.heardSincePing) {
          this.fail(new PeerError(PeerCode.Timeout, `no answer to keepalive within ${keepaliveMs} ms`));
          return;
        }
        this.heardSincePing = false;
        if (socket.isOpen) ping();
      }, keepaliveMs));
    }
    if (socket.isOpen) hello();
  }

  /** Start delivering frames (after the owner has routed the authenticated peer). */
  attach(events: ConnectionEvents): void {
    this.events = events;
    for (const deliver of this.early) deliver();
    this.early = [];
    if (this.ended) events.onClose(this.error);
  }

  get open(): boolean {
    return !this.ended && this.socket.isOpen;
  }

  /** Send a channel message's text; false when the socket is gone (the channel retransmits). */
  sendMsg(channelId: string, messageText: string): boolean {
    if (this.peer === null) return false;
    return this.sendText(msgFrameText(channelId, messageText));
  }

  sendApp(frame: AppFrame): boolean {
    if (this.peer === null) return false;
    return this.sendText(frameText(frame));
  }

  /** Close normally (no error on our side). */
  close(reason = ''): void {
    if (this.ended) return;
    this.socket.close(CloseCode.Normal, reason);
    this.end(null);
  }

  /** Tell the peer why, then close. */
  fail(error: PeerError): void {
    if (this.ended) return;
    this.sendText(frameText({ t: 'error', code: error.code, message: error.message.slice(0, 500) }));
    this.socket.close(closeCodeOf(error.code), error.code);
    this.end(error);
  }

  private sendText(text: string): boolean {
    if (this.ended || !this.socket.isOpen) return false;
    this.socket.send(text);
    return true;
  }

  private onFrame(data: string, isBinary: boolean): void {
    if (this.ended) return;
    this.heardSincePing = true;
    if (!this.bucket.take()) {
      this.fail(new PeerError(PeerCode.RateLimited, 'peer sent frames faster than the rate limit'));
      return;
    }
    if (isBinary) {
      this.fail(new PeerError(PeerCode.Malformed, 'binary frame: the peer protocol is text'));
      return;
    }
    let frame: Frame;
    try {
      frame = parseFrame(data);
    } catch (e) {
      this.fail(e instanceof PeerError ? e : new PeerError(PeerCode.Malformed, 'frame did not parse', { cause: e }));
      return;
    }
    void this.dispatch(frame);
  }

  private async dispatch(frame: Frame): Promise<void> {
    try {
      if (frame.t === 'error') {
        this.end(new PeerError(PeerCode.Refused, `peer refused: ${frame.code}: ${frame.message}`, { details: { code: frame.code, message: frame.message } }));
        this.socket.close(CloseCode.Normal, '');
        return;
      }
      if (this.peer === null && this.verified !== null && (frame.t === 'msg' || frame.t === 'app')) {
        // the peer is authenticated and our auth is still being signed: its frames wait for it, in order
        this.waiting.push(frame);
        return;
      }
      if (this.peer === null) {
        if (frame.t === 'hello') {
          this.sendText(frameText(await this.handshake.onHello(frame)));
          this.authSent = true;
          if (this.verified !== null) this.established(this.verified);
        } else if (frame.t === 'auth') {
          if (this.verified !== null) throw new PeerError(PeerCode.Malformed, 'a second auth');
          const peer = this.handshake.onAuth(frame);
          if (this.authSent) this.established(peer);
          else this.verified = peer;
        } else throw new PeerError(PeerCode.NotAuthenticated, `a ${frame.t} frame before the handshake finished`);
        return;
      }
      if (frame.t === 'msg') this.deliver(() => this.events!.onMsg(frame.c, frame.m));
      else if (frame.t === 'app') this.deliver(() => this.events!.onApp(frame));
      else throw new PeerError(PeerCode.Malformed, `a ${frame.t} frame after the handshake`);
    } catch (e) {
      this.fail(e instanceof PeerError ? e : new PeerError(PeerCode.Malformed, 'frame could not be handled', { cause: e }));
    }
  }

  private established(peer: AuthenticatedPeer): void {
    this.verified = null;
    this.peer = peer;
    if (peer.delegatedUntil !== undefined) {
      // a session key speaks for its account only while its delegation runs
      const left = peer.delegatedUntil * 1000 - Date.now();
      this.timers.push(setTimeout(() => this.fail(new PeerError(PeerCode.AuthFailed, 'the delegation to this session key has expired')), Math.max(0, left)));
    }
    this.settle.resolve(peer);
    for (const f of this.waiting.splice(0)) void this.dispatch(f);
  }

  private deliver(f: () => void): void {
    if (this.events === null) this.early.push(f);
    else f();
  }

  private end(error: PeerError | null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    for (const t of this.timers) clearTimeout(t);
    if (this.peer === null) this.settle.reject(error ?? new PeerError(PeerCode.Closed, 'connection closed during the handshake'));
    this.events?.onClose(error);
    this.onEnded(error);
  }
}
