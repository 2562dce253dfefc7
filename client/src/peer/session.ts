// Everything a node has with one peer principal, across reconnects: the channel
// transports bound to it, node requests in flight, and the connection currently
// carrying them (null while the peer is away). Channels keep their transport while the
// connection comes and goes; what is sent while the peer is away is dropped, and the
// channel's retransmission (from memory, or from the store after a restart) resends it
// once a connection is back. Frames for a channel not bound here are answered with a
// channel error: a peer can only ever reach its own channels with this node.
import { fromHex } from '../wire/json.js';
import { encodeMessage, WIRE_VERSION, type Message } from '../wire/messages.js';
import type { Transport } from '../wire/transport.js';
import type { PeerConnection } from './connection.js';
import { PeerCode, PeerError } from './errors.js';
import type { AppFrame } from './frames.js';

type Receiver = (raw: unknown) => void;

interface Request {
  resolve(body: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

/** A node-level request from the peer; answer it (or throw a BitStreamError to refuse). */
export type AppHandler = (kind: string, body: unknown, session: PeerSession) => Promise<unknown> | unknown;

/** The reason a connection is closed with when a newer one for the same peer replaced it. */
export const REPLACED = 'replaced by a newer connection';

export class PeerSession {
  private conn: PeerConnection | null = null;
  private readonly receivers = new Map<string, Receiver>();
  private readonly requests = new Map<string, Request>();
  private readonly connectedWaiters: (() => void)[] = [];
  private nextId = 1;

  #publicKey: Uint8Array;

  constructor(
    readonly principal: string,
    publicKey: Uint8Array,
    private readonly handleApp: AppHandler,
  ) {
    this.#publicKey = publicKey;
  }

  /**
   * The key that proved the principal on the newest connection: the account's own key,
   * or a session key its wallet delegated (PROTOCOL §8), which a new tab replaces.
   */
  get publicKey(): Uint8Array {
    return this.#publicKey;
  }

  get connected(): boolean {
    return this.conn !== null && this.conn.open;
  }

  get connection(): PeerConnection | null {
    return this.conn;
  }

  /** The transport for channel `channelId` (hex) with this peer; `close()` unbinds it. */
  transport(channelId: string): Transport {
    const session = this;
    let receiver: Receiver | null = null;
    return {
      send(message: Message) {
        session.conn?.sendMsg(channelId, encodeMessage(message));
      },
      onMessage(handler) {
        receiver = handler;
        session.receivers.set(channelId, handler);
        return () => {
          if (session.receivers.get(channelId) === handler) session.receivers.delete(channelId);
        };
      },
      close() {
        if (receiver !== null && session.receivers.get(channelId) === receiver) session.receivers.delete(channelId);
      },
    };
  }

  /** Send a node request and wait for its answer (PeerError PEER_CLOSED when the peer is away). */
  request(kind: string, body: unknown, timeoutMs = 30_000): Promise<unknown> {
    const conn = this.conn;
    const id = `r${this.nextId++}`;
    if (conn === null || !conn.sendApp({ t: 'app', kind, id, body })) {
      return Promise.reject(new PeerError(PeerCode.Closed, `peer ${this.principal} is not connected`, { details: { peer: this.principal } }));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(id);
        reject(new PeerError(PeerCode.Timeout, `peer ${this.principal} did not answer ${kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.requests.set(id, { resolve, reject, timer });
    });
  }

  /** Resolves once a connection to the peer is up (at once if it is). */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** network.ts: this connection now carries the session. */
  use(conn: PeerConnection, publicKey: Uint8Array = this.#publicKey): void {
    const old = this.conn;
    this.conn = conn;
    this.#publicKey = publicKey;
    if (old !== null && old !== conn) old.close(REPLACED);
    conn.attach({
      onMsg: (channelId, message) => this.onMsg(channelId, message),
      onApp: (frame) => void this.onApp(frame),
      onClose: () => {
        if (this.conn !== conn) return;
        this.conn = null;
        for (const [id, r] of this.requests) {
          clearTimeout(r.timer);
          r.reject(new PeerError(PeerCode.Closed, `connection to ${this.principal} closed before it answered`));
          this.requests.delete(id);
        }
      },
    });
    for (const w of this.connectedWaiters.splice(0)) w();
  }

  close(): void {
    this.conn?.close('node stopping');
    this.conn = null;
  }

  private onMsg(channelId: string, message: unknown): void {
    const receiver = this.receivers.get(channelId);
    if (receiver !== undefined) {
      receiver(message);
      return;
    }
    // not ours with this peer: say so on the channel, so its sender's channel reports it
    this.conn?.sendMsg(channelId, encodeMessage({
      v: WIRE_VERSION, type: 'error', channelId: fromHex(channelId), code: PeerCode.UnknownChannel,
      message: `no channel ${channelId} with ${this.principal} on this node`,
    }));
  }

  private async onApp(frame: AppFrame): Promise<void> {
    if (frame.kind === 'reply' || frame.kind === 'refuse') {
      const r = this.requests.get(frame.id);
      if (r === undefined) return; // late answer to a request that timed out
      this.requests.delete(frame.id);
      clearTimeout(r.timer);
      if (frame.kind === 'reply') r.resolve(frame.body);
      else r.reject(refusal(frame.body, this.principal));
      return;
    }
    let answer: AppFrame;
    try {
      answer = { t: 'app', kind: 'reply', id: frame.id, body: (await this.handleApp(frame.kind, frame.body, this)) ?? null };
    } catch (e) {
      const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'NODE_REQUEST_FAILED';
      answer = { t: 'app', kind: 'refuse', id: frame.id, body: { code, message: e instanceof Error ? e.message.slice(0, 500) : String(e) } };
    }
    this.conn?.sendApp(answer);
  }
}

function refusal(body: unknown, peer: string): PeerError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; message?: unknown };
  const code = typeof b.code === 'string' ? b.code : 'UNKNOWN';
  const message = typeof b.message === 'string' ? b.message : 'no reason given';
  return new PeerError(PeerCode.Refused, `${peer} refused: ${code}: ${message}`, { details: { code, message, peer } });
}
