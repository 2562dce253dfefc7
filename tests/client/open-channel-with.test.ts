// The route rule the invoice desk, the forwarder and the swap desk share: which held
// channel carries a payment to a peer.
import { describe, expect, it } from 'vitest';
import { openChannelWith, type HeldChannel } from '../../client/src/node/open-channel-with.js';

const held = (id: string, peer: string, phase: string, token: string | null, own: bigint) =>
  ({ meta: { id, peer, phase, token }, channel: { balances: { own, other: 0n } } }) as unknown as HeldChannel;

describe('openChannelWith', () => {
  const helds = [
    held('closing', 'P', 'closing', null, 900n),
    held('other-peer', 'Q', 'open', null, 900n),
    held('sbtc', 'P', 'open', 'SP000.sbtc', 900n),
    held('short', 'P', 'open', null, 10n),
    held('first', 'P', 'open', null, 500n),
    held('second', 'P', 'open', null, 400n),
  ];
  const covers = (n: bigint) => (h: HeldChannel) => h.channel.balances.own >= n;

  it('takes only an open channel with that peer, in that token, passing the check; a connected one first', () => {
    const connected = (p: string) => p === 'P';
    expect(openChannelWith(helds, { peer: 'P', token: null, ok: covers(100n), connected })?.meta.id).toBe('first');
    expect(openChannelWith(helds, { peer: 'P', token: 'SP000.sbtc', ok: covers(100n), connected })?.meta.id).toBe('sbtc');
  });

  it('prefers a channel whose peer is connected over an earlier one whose peer is not', () => {
    const twoPeers = [held('a', 'P', 'open', null, 500n), held('b', 'P', 'open', null, 500n)];
    let calls = 0;
    // the rule asks about the peer, so model a session that comes up between the two checks
    const flaky = () => calls++ > 0;
    expect(openChannelWith(twoPeers, { peer: 'P', token: null, ok: covers(1n), connected: flaky })?.meta.id).toBe('b');
    expect(openChannelWith(twoPeers, { peer: 'P', token: null, ok: covers(1n), connected: () => false })?.meta.id).toBe('a');
  });

  it('is null when nothing passes: another phase, peer, token or a short balance never stands in', () => {
    expect(openChannelWith(helds, { peer: 'P', token: null, ok: covers(1_000n), connected: () => true })).toBeNull();
    expect(openChannelWith(helds, { peer: 'R', token: null, ok: covers(1n), connected: () => true })).toBeNull();
    expect(openChannelWith(helds, { peer: 'Q', token: 'SP000.sbtc', ok: covers(1n), connected: () => true })).toBeNull();
  });
});
