// An in-memory StateStore for tests: the same compare-and-swap rules as SqliteStore,
// no durability. Writes resolve on a microtask, like a commit that is instant.
import { toHex } from '../wire/json.js';
import { withPending, withSigned } from './rules.js';
import { StoreCode, StoreError, type ChannelRecord, type PendingState, type SignedState, type StateStore } from './types.js';

export class MemoryStore implements StateStore {
  private readonly records = new Map<string, ChannelRecord>();

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

  async saveSigned(channelId: Uint8Array, signed: SignedState): Promise<void> {
    const next = withSigned(this.get(channelId), signed);
    if (next) this.records.set(toHex(channelId), next);
  }

  close(): void {}

  private get(channelId: Uint8Array): ChannelRecord {
    const r = this.records.get(toHex(channelId));
    if (!r) throw new StoreError(StoreCode.UnknownChannel, 'unknown channel', { details: { channelId: toHex(channelId) } });
    return r;
  }
}
