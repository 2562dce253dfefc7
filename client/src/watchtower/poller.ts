// A poller that feeds a Watchtower from the read-only readers instead of an event feed:
// for each channel it reads the record, the settled flags of a finalised channel's
// HTLCs, and the reveal heights of the hashes the tower still waits on. The I/O is the
// injected ChainContext's ReadOnlyCaller; the tower itself stays pure.
import { getChannel, getRevealHeight, isHtlcSettled, type ChainContext } from '../chain/readers.js';
import { ChannelStatus } from '../chain/record.js';
import type { Watchtower } from './watchtower.js';

/** Read `channelIds` (and every channel the tower already tracks) into the tower. */
export async function pollIntoWatchtower(ctx: ChainContext, tower: Watchtower, channelIds: readonly Uint8Array[] = []): Promise<void> {
  const seen = new Set<string>();
  for (const channelId of [...channelIds, ...tower.channelIds(), ...tower.unknownChannels()]) {
    const k = Buffer.from(channelId).toString('hex');
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
  for (const hash of tower.unrevealedHashes()) {
    const height = await getRevealHeight(ctx, { hash });
    if (height !== null) tower.observeReveal(hash, height);
  }
}
