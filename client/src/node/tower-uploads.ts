// The node's side of its standalone watchtowers (BITSTREAM_TOWERS): after every new
// closable state of a channel it holds, the newest one goes to each tower. Per tower,
// one request at a time, at most one every `intervalMs`, taking the channels that have
// a state newer than the tower holds in turn; a state superseded while it waited is never
// sent, only the newest. A failed upload (the tower unreachable, busy, or unable to read
// the chain) is retried after a back-off; one the tower refuses for good (the contract
// refuses the state: a closed channel, say) is dropped and reported, so it never holds
// up the others; TOWER_STALE means the tower holds newer: nothing to do. So a tower lags the
// node by about the interval while the node runs; a stopping node sends what is left
// first. At start every channel's closable state is offered once.
import type { Logger } from 'pino';
import { Action } from '../codec/state.js';
import type { SignedState as ChainSignedState } from '../chain/signed.js';
import type { SignedState } from '../store/types.js';
import type { TowerClient } from '../tower/client.js';
import { TowerError } from '../tower/errors.js';
import { fullySigned } from '../watchtower/sources.js';
import type { ChannelHooks } from './manager.js';

export interface TowerStatus {
  readonly url: string;
  /** the nonce each channel's state was last accepted at */
  readonly uploaded: Readonly<Record<string, string>>;
  /** channels with a newer state waiting */
  readonly waiting: number;
  readonly lastError: string | null;
}

/** Refusals that another try of the same state cannot change. */
const FINAL = new Set<string>(['TOWER_STATE_REJECTED', 'TOWER_NOT_PARTICIPANT', 'TOWER_NOT_CLOSABLE', 'TOWER_BAD_UPLOAD', 'TOWER_LIMIT']);

class OneTower {
  /** the newest state of each channel not yet held by the tower */
  private readonly pending = new Map<string, ChainSignedState>();
  private readonly uploaded = new Map<string, bigint>();
  private running: Promise<void> | null = null;
  private wake: NodeJS.Timeout | null = null;
  private lastError: string | null = null;
  private retryAt = 0;
  private failures = 0;

  constructor(readonly url: string, private readonly client: TowerClient, private readonly intervalMs: number, private readonly log: Logger) {}

  offer(id: string, s: ChainSignedState): void {
    const done = this.uploaded.get(id);
    const waiting = this.pending.get(id);
    if ((done !== undefined && done >= s.state.nonce) || (waiting !== undefined && waiting.state.nonce >= s.state.nonce)) return;
    this.pending.set(id, s);
    this.kick();
  }

  status(): TowerStatus {
    return { url: this.url, uploaded: Object.fromEntries([...this.uploaded].map(([k, v]) => [k, v.toString()])), waiting: this.pending.size, lastError: this.lastError };
  }

  /** Send what is waiting now (a stopping node), for at most `ms`. */
  async flush(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.pending.size > 0 && Date.now() < deadline) {
      if (this.running === null) this.kick();
      if (this.running !== null) await this.running;
      else await new Promise((r) => setTimeout(r, Math.max(1, Math.min(this.retryAt, deadline) - Date.now())));
    }
    if (this.wake !== null) clearTimeout(this.wake);
    this.wake = null;
  }

  /** Start sending, now or once the back-off is over; one drain at a time. */
  private kick(): void {
    if (this.running !== null || this.pending.size === 0) return;
    const wait = this.retryAt - Date.now();
    if (wait > 0) {
      this.wake ??= setTimeout(() => {
        this.wake = null;
        this.kick();
      }, wait).unref();
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const [id, s] = this.pending.entries().next().value as [string, ChainSignedState];
      this.pending.delete(id);
      const started = Date.now();
      try {
        await this.client.upload(s);
        this.uploaded.set(id, s.state.nonce);
        this.failures = 0;
        this.lastError = null;
      } catch (e) {
        if (e instanceof TowerError && e.code === 'TOWER_STALE') {
          this.uploaded.set(id, s.state.nonce);
        } else if (e instanceof TowerError && FINAL.has(e.code)) {
          this.lastError = e.message;
          this.log.warn({ tower: this.url, channel: id, code: e.code, err: e }, 'a watchtower refused a state');
        } else {
          // keep it (unless something newer came meanwhile) and back off: 1 s, 2 s, … 30 s
          if (!this.pending.has(id)) this.pending.set(id, s);
          this.failures++;
          this.lastError = e instanceof Error ? e.message : String(e);
          this.retryAt = Date.now() + Math.min(30_000, 1_000 * 2 ** (this.failures - 1));
          this.log.warn({ tower: this.url, channel: id, err: e }, 'upload to a watchtower failed; retrying');
          return;
        }
      }
      const rest = this.intervalMs - (Date.now() - started);
      if (rest > 0 && this.pending.size > 0) await new Promise((r) => setTimeout(r, rest));
    }
  }
}

export class TowerUploads implements ChannelHooks {
  private readonly towers: OneTower[];

  constructor(clients: readonly TowerClient[], urls: readonly string[], log: Logger, intervalMs = 200) {
    this.towers = clients.map((c, i) => new OneTower(urls[i]!, c, intervalMs, log));
  }

  onState(channelId: string, signed: SignedState): void {
    const s = fullySigned(signed);
    if (s === null || (s.state.action !== Action.Transfer && s.state.action !== Action.Close)) return;
    for (const t of this.towers) t.offer(channelId, s);
  }

  onSecret(): void {}

  /** At start: each channel's closable state, once. */
  offerAll(channels: readonly { readonly id: string; readonly closable: SignedState }[]): void {
    for (const c of channels) this.onState(c.id, c.closable);
  }

  status(): TowerStatus[] {
    return this.towers.map((t) => t.status());
  }

  flush(ms = 3_000): Promise<void> {
    return Promise.all(this.towers.map((t) => t.flush(ms))).then(() => undefined);
  }
}

