// A poller that feeds a Watchtower from the read-only readers (a full read, where an
// event feed is missing or lost its place): for each channel it reads the record, the
// settled flags of a finalised channel's HTLCs, and the reveal heights of the hashes the tower still waits on. The I/O is the
// injected ChainContext's ReadOnlyCaller; the tower itself stays pure.
import { getChannel, getRevealHeight, isHtlcSettled, type ChainContext } from '../chain/readers.js';
import { ChannelStatus } from '../chain/record.js';
import type { Watchtower } from './watchtower.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Read `channelIds` (and every channel the tower already tracks) into the tower, and the reveals it waits on. */
export async function pollIntoWatchtower(ctx: ChainContext, tower: Watchtower, channelIds: readonly Uint8Array[] = []): Promise<void> {
  await readChannels(ctx, tower, [...channelIds, ...tower.channelIds(), ...tower.unknownChannels()]);
  for (const hash of tower.unrevealedHashes()) {
    const height = await getRevealHeight(ctx, { hash });
    if (height !== null) tower.observeReveal(hash, height);
  }
}

/** Read just `channelIds` into the tower: each record, and a closed one's HTLC settled flags. */
export async function readChannels(ctx: ChainContext, tower: Watchtower, channelIds: readonly Uint8Array[]): Promise<void> {
  const seen = new Set<string>();
  for (const channelId of channelIds) {
    const k = bytesToHex(channelId);
    if (seen.has(k)) continue;
    seen.add(k);
    const record = await getChannel(ctx, { channelId });
    if (record === null) continue;
    tower.observeRecord(channelId, record);
    if (record.status === ChannelStatus.Closed) {
      for (let index = 0; index < record.htlcs.length; index++) {
        if (await isHtlcSettled(ctx, { channelId, index })) tower.observeSettled(channelId, index);
      }
    }
  }
}
