// A node's place on the peer network: it listens for peers (a WebSocket server), dials
// the peers it is told to (and redials them with backoff while the node runs), and
// keeps one PeerSession per authenticated principal. When two connections to one
// principal are up at once, both ends keep the same one: a peer's newer connection from
// the same dialler replaces its older one (a restarted peer), and between connections
// dialled by different ends the one dialled by the lexically smaller principal wins, so
// two nodes dialling each other never flap. Plain ws:// is for loopback and tests; put
// wss:// (TLS, e.g. a reverse proxy) in front for anything else.
import { WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { PeerConnection, connectionOptions, type ConnectionLimits } from './connection.js';
import { PeerCode, PeerError } from './errors.js';
import { MAX_FRAME_BYTES } from './frames.js';
import type { PeerIdentity } from './handshake.js';
import { PeerSession, type AppHandler } from './session.js';
import { wsFrameSocket } from './ws-socket.js';

export interface PeerNetworkOptions extends ConnectionLimits {
  readonly identity: PeerIdentity;
  readonly chainId: number;
  readonly recover: (hash: Uint8Array, sig: Uint8Array) => Uint8Array;
  /** node-level requests from peers (default: every request refused) */
  readonly onRequest?: AppHandler;
  /** a session was authenticated for the first time */
  readonly onSession?: (session: PeerSession) => void;
  /** a connection to a peer came up (the first, and each after a drop) */
  readonly onConnected?: (session: PeerSession) => void;
  /** a connection that ended with an error (bad handshake, flood, malformed frame, …) */
  readonly onConnectionError?: (error: PeerError, peer: string | null) => void;
  /** redial delays: first, then doubling up to max (default 100 ms to 5 s) */
  readonly redial?: { readonly firstMs: number; readonly maxMs: number };
}

interface Dial {
  readonly url: string;
  readonly expect: string | undefined;
  stopped: boolean;
  timer: NodeJS.Timeout | null;
}

const refuseAll: AppHandler = (kind) => {
  throw new PeerError(PeerCode.Refused, `this node takes no ${kind} requests`);
};

export class PeerNetwork {
  private server: WebSocketServer | null = null;
  private readonly byPrincipal = new Map<string, PeerSession>();
  private readonly dials = new Set<Dial>();
  private readonly pending = new Set<PeerConnection>();
  private stopped = false;

  constructor(private readonly o: PeerNetworkOptions) {}

  get principal(): string {
    return this.o.identity.principal;
  }

  /** Listen for peers; resolves with the ws:// URL (port 0: any free port). */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    const server = new WebSocketServer({ host, port, maxPayload: MAX_FRAME_BYTES });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (socket) => void this.adopt(new PeerConnection(wsFrameSocket(socket), connectionOptions(this.o, false, undefined))));
    const a = server.address() as AddressInfo;
    return `ws://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
  }

  /**
   * Dial `url` and keep the peer connected (redialling with backoff after a drop) until
   * `hangUp` or `close`. Resolves with the session once the first handshake succeeds;
   * rejects with its PeerError if that first attempt fails (then no redialling) — unless
   * `persistent`: then it keeps dialling a peer that is not there yet (a node reconnecting
   * the peers it knows at start must not give up because one was restarting).
   */
  connect(url: string, expect?: string, o: { persistent?: boolean } = {}): Promise<PeerSession> {
    const dial: Dial = { url, expect, stopped: false, timer: null };
    this.dials.add(dial);
    return new Promise((resolve, reject) => {
      let first = true;
      let delay = this.o.redial?.firstMs ?? 100;
      const attempt = () => {
        if (dial.stopped || this.stopped) return;
        // the peer dialled us meanwhile and that connection is kept: look again later
        if (!first && expect !== undefined && this.byPrincipal.get(expect)?.connected === true) {
          dial.timer = setTimeout(attempt, this.o.redial?.maxMs ?? 5000);
          return;
        }
        const socket = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: this.o.handshakeMs ?? 10_000 });
        socket.on('error', () => undefined); // PeerConnection reports it
        const conn = new PeerConnection(wsFrameSocket(socket), connectionOptions(this.o, true, expect));
        void this.adopt(conn).then((session) => {
          if (session !== null) {
            delay = this.o.redial?.firstMs ?? 100;
            if (first) {
              first = false;
              resolve(session);
            }
          } else if (first && o.persistent !== true) {
            this.dials.delete(dial);
            reject(conn.error ?? new PeerError(PeerCode.Closed, `could not connect to ${url}`));
            return;
          }
          // redial whenever this connection ends
          const again = () => {
            if (dial.stopped || this.stopped) return;
            dial.timer = setTimeout(attempt, delay);
            delay = Math.min(delay * 2, this.o.redial?.maxMs ?? 5000);
          };
          void conn.closed.then(again);
        });
      };
      attempt();
    });
  }

  /** Stop redialling `principal` and close its connection. */
  hangUp(principal: string): void {
    for (const d of this.dials) {
      if (d.expect === principal) {
        d.stopped = true;
        if (d.timer !== null) clearTimeout(d.timer);
        this.dials.delete(d);
      }
    }
    this.byPrincipal.get(principal)?.close();
  }

  session(principal: string): PeerSession | undefined {
    return this.byPrincipal.get(principal);
  }

  sessions(): PeerSession[] {
    return [...this.byPrincipal.values()];
  }

  /**
   * The session for `principal`, created unconnected if there is none yet: channels with
   * a peer that is away are bound to it and start talking when it connects.
   */
  sessionFor(principal: string, publicKey: Uint8Array): PeerSession {
    let s = this.byPrincipal.get(principal);
    if (s === undefined) {
      s = new PeerSession(principal, publicKey, this.o.onRequest ?? refuseAll);
      this.byPrincipal.set(principal, s);
    }
    return s;
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const d of this.dials) {
      d.stopped = true;
      if (d.timer !== null) clearTimeout(d.timer);
    }
    this.dials.clear();
    for (const c of this.pending) c.close('node stopping');
    for (const s of this.byPrincipal.values()) s.close();
    const server = this.server;
    this.server = null;
    if (server !== null) {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Route an authenticated connection to its principal's session; null when the handshake failed. */
  private async adopt(conn: PeerConnection): Promise<PeerSession | null> {
    this.pending.add(conn);
    let peer;
    try {
      peer = await conn.ready;
    } catch (e) {
      this.o.onConnectionError?.(e instanceof PeerError ? e : new PeerError(PeerCode.Closed, String(e)), null);
      return null;
    } finally {
      this.pending.delete(conn);
    }
    if (this.stopped) {
      conn.close('node stopping');
      return null;
    }
    if (peer.principal === this.principal) {
      conn.fail(new PeerError(PeerCode.AuthFailed, 'a node does not connect to itself'));
      return null;
    }
    const known = this.byPrincipal.has(peer.principal);
    const session = this.sessionFor(peer.principal, peer.publicKey);
    const current = session.connection;
    if (current !== null && current.open && current !== conn && !this.prefer(conn, current, peer.principal)) {
      conn.close('a connection to this peer is already up');
      return session;
    }
    void conn.closed.then((e) => e !== null && this.o.onConnectionError?.(e, peer.principal));
    session.use(conn, peer.publicKey);
    if (!known) this.o.onSession?.(session);
    this.o.onConnected?.(session);
    return session;
  }

  /** Does `fresh` replace `current` (both to `peer`)? The same answer on both ends. */
  private prefer(fresh: PeerConnection, current: PeerConnection, peer: string): boolean {
    if (fresh.dialler === current.dialler) return true;
    const smaller = this.principal < peer ? 'us' : 'them';
    // the connection dialled by the smaller principal wins
    return fresh.dialler === (smaller === 'us');
  }
}
