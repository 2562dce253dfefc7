// An in-memory StateStore for tests and browsers without storage: the same
// compare-and-swap rules as SqliteStore, no durability. Writes resolve on a microtask,
// like a commit that is instant.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../wire/json.js';
import { withAbandoned, withPending, withSigned } from './rules.js';
import {
  StoreCode, StoreError, type ChannelRecord, type PaymentRecord, type PendingState, type SaveSignedOptions, type SignedState,
  type StateStore,
} from './types.js';

export class MemoryStore implements StateStore {
  private readonly records = new Map<string, ChannelRecord>();
  private readonly secretMaps = new Map<string, Map<string, Uint8Array>>();
  private readonly paymentRecords = new Map<string, PaymentRecord>();

  load(channelId: Uint8Array): ChannelRecord | null {
    return this.records.get(toHex(channelId)) ?? null;
  }

  channels(): Uint8Array[] {
    return [...this.records.values()].map((r) => r.channelId);
  }

  async create(record: ChannelRecord): Promise<void> {
    const key = toHex(record.channelId);
    if (this.records.has(key)) throw new StoreError(StoreCode.Exists, 'channel already stored', { details: { channelId: key } });
    this.records.set(key, record);
  }

  async savePending(channelId: Uint8Array, pending: PendingState): Promise<void> {
    const next = withPending(this.get(channelId), pending);
    if (next) this.records.set(toHex(channelId), next);
  }

  async saveSigned(channelId: Uint8Array, signed: SignedState, opts: SaveSignedOptions = {}): Promise<void> {
    const next = withSigned(this.get(channelId), signed, opts.lapsed);
    if (next) this.records.set(toHex(channelId), next);
    for (const p of opts.payments ?? []) this.paymentRecords.set(p.id, p);
  }

  async saveAbandoned(channelId: Uint8Array, hash: Uint8Array): Promise<void> {
    const next = withAbandoned(this.get(channelId), hash);
    if (next) this.records.set(toHex(channelId), next);
  }

  async saveSecret(channelId: Uint8Array, secret: Uint8Array): Promise<void> {
    const key = toHex(channelId);
    this.get(channelId);
    let m = this.secretMaps.get(key);
    if (!m) this.secretMaps.set(key, (m = new Map()));
    m.set(toHex(sha256(secret)), Uint8Array.from(secret));
  }

  secrets(channelId: Uint8Array): ReadonlyMap<string, Uint8Array> {
    return this.secretMaps.get(toHex(channelId)) ?? new Map();
  }

  async savePayments(records: readonly PaymentRecord[]): Promise<void> {
    for (const p of records) this.paymentRecords.set(p.id, p);
  }

  payment(id: string): PaymentRecord | null {
    return this.paymentRecords.get(id) ?? null;
  }

  inFlight(channelId: Uint8Array): PaymentRecord[] {
    const key = toHex(channelId);
    return [...this.paymentRecords.values()].filter((p) => p.status === 'in-flight' && toHex(p.channelId) === key);
  }

  close(): void {}

  private get(channelId: Uint8Array): ChannelRecord {
    const r = this.records.get(toHex(channelId));
    if (!r) throw new StoreError(StoreCode.UnknownChannel, 'unknown channel', { details: { channelId: toHex(channelId) } });
    return r;
  }
}
