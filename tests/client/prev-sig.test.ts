// A proposal that carries the proposer's lost last signature (prevSig, PROTOCOL §4): the
// responder completes the state it awaited and signs the new one in the same step. The
// messages are carried by hand (Courier) so exactly the last signature is lost.
import { describe, expect, it } from 'vitest';
import { Channel } from '../../client/src/channel/channel.js';
import { messageToJson, type Message } from '../../client/src/wire/messages.js';
import { Courier } from '../../client/src/x402/courier.js';
import { courierPair } from './fixtures/courier-pair.js';

async function carry(from: Courier, to: Channel, match: (m: Message) => boolean): Promise<Message> {
  const m = (await from.expect(match, 2000).result)!;
  expect(m, 'the channel sent the message').not.toBeNull();
  await to.receive(messageToJson(m));
  return m;
}

describe('a proposal carrying the lost last signature', () => {
  it('completes the awaited state and is signed at once, not refused and retried', async () => {
    const { a, b, ca, cb } = await courierPair(77, 1000n);
    try {
      const first = a.pay(10n);
      await carry(ca, b, (m) => m.type === 'proposal');
      await carry(cb, a, (m) => m.type === 'signature' && m.first);
      await first;
      const lost = await ca.expect((m) => m.type === 'signature' && !m.first, 2000).result; // never delivered
      expect(lost).not.toBeNull();
      expect(b.awaiting?.state.nonce).toBe(1n);

      const second = a.pay(20n);
      const proposal = await carry(ca, b, (m) => m.type === 'proposal');
      expect(proposal.type === 'proposal' && proposal.prevSig !== undefined).toBe(true);
      expect(b.latest.state.nonce).toBe(1n);
      expect(b.awaiting?.state.nonce).toBe(2n);
      await carry(cb, a, (m) => m.type === 'signature' && m.first && m.nonce === 2n);
      await second;
      await carry(ca, b, (m) => m.type === 'signature' && !m.first && m.nonce === 2n);
      expect(b.latest.hash).toEqual(a.latest.hash);
      expect(b.latest.state.balanceB).toBe(30n);
    } finally {
      a.close();
      b.close();
    }
  });
});
