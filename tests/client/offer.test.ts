// Offers (PROTOCOL §4.5): the payee builds and signs first on the next state, the payer
// signs it last when it wants it or passes over it with a proposal at the nonce after
// it. Attacks: taking an offer that is not the state it names, one passed over, one the
// channel moved past; completing a passed-over offer at the payee; the payee never signing
// a second state at an offer's nonce. Messages are carried by hand (Courier).
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { OFFER_TAG, type Channel } from '../../client/src/channel/channel.js';
import { ChannelCode } from '../../client/src/channel/errors.js';
import { SIGNATURE_WRONG_KEY } from '../../client/src/channel/verify.js';
import { stateHash, domainHash } from '../../client/src/codec/sip018.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { messageToJson, WIRE_VERSION, type Message } from '../../client/src/wire/messages.js';
import type { Courier } from '../../client/src/x402/courier.js';
import { courierPair } from './fixtures/courier-pair.js';
import { DOMAIN, KEY_A, keySigner } from './fixtures/peers.js';

const data = (s: string) => sha256(new TextEncoder().encode(s));

async function carry(from: Courier, to: Channel, match: (m: Message) => boolean): Promise<Message> {
  const m = (await from.expect(match, 2000).result)!;
  expect(m, 'the channel sent the message').not.toBeNull();
  await to.receive(messageToJson(m));
  return m;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e, 'refused').not.toBeNull();
  return (e as { code: string }).code;
}

describe('offers', () => {
  it('the payer takes the payee\'s offer: one signature each way, final on both sides', async () => {
    const { a, b, ca, cb, close } = await courierPair(81, 1000n);
    try {
      const offer = await b.offer(10n, data('call 1'));
      expect(offer.state.nonce).toBe(1n);
      expect(b.offered?.hash).toEqual(offer.hash);
      expect(b.latest.state.nonce).toBe(0n);
      // the application carries it: the payee's channel sends nothing, not even on retransmit
      expect(await cb.expect(() => true, 500).result).toBeNull();
      const signed = await a.takeOffer({ nonce: 1n, hash: offer.hash, sig: offer.sig }, 10n, data('call 1'));
      expect(signed.state.balanceB).toBe(10n);
      expect(a.latest.state.nonce).toBe(1n);
      await carry(ca, b, (m) => m.type === 'signature' && !m.first && m.nonce === 1n);
      expect(b.latest.hash).toEqual(a.latest.hash);
      expect(b.offered).toBeNull();
      expect(b.balances.own).toBe(10n);
    } finally {
      close();
    }
  });

  it('refuses to take an offer that is not the state it names, or whose signature is not the payee\'s; nothing signed', async () => {
    const { a, b, ca, close } = await courierPair(82, 1000n);
    try {
      const offer = await b.offer(10n, data('call 1'));
      const named = { nonce: 1n, hash: offer.hash, sig: offer.sig };
      // another amount or another binding is another state than the one offered
      expect(await codeOf(a.takeOffer(named, 9n, data('call 1')))).toBe(ChannelCode.StateMismatch);
      expect(await codeOf(a.takeOffer(named, 10n, data('call 2')))).toBe(ChannelCode.StateMismatch);
      // the payer's own signature on it is not the payee's first one
      const forged = await keySigner(KEY_A).signState(offer.state, DOMAIN, stateHash(offer.state, domainHash(DOMAIN)));
      expect(await codeOf(a.takeOffer({ ...named, sig: forged }, 10n, data('call 1')))).toBe(SIGNATURE_WRONG_KEY);
      expect(a.latest.state.nonce).toBe(0n);
      expect(await ca.expect((m) => m.type === 'signature', 300).result).toBeNull();
      // and the real one still goes through
      await a.takeOffer(named, 10n, data('call 1'));
      expect(a.latest.state.nonce).toBe(1n);
      expect(await codeOf(a.takeOffer(named, 10n, data('call 1')))).toBe(ChannelCode.OfferGone);
    } finally {
      close();
    }
  });

  it('the payer passes over an offer: its proposal takes the nonce after it, supersedes it, and the offer is gone for good', async () => {
    const { a, b, ca, cb, close } = await courierPair(83, 1000n);
    try {
      const offer = await b.offer(10n, data('call 1'));
      a.passOffer(1n);
      const paying = a.pay(5n);
      const proposal = await carry(ca, b, (m) => m.type === 'proposal');
      expect(proposal.type === 'proposal' && proposal.state.nonce).toBe(2n);
      expect(b.awaiting?.state.nonce).toBe(2n);
      expect(b.offered).toBeNull();
      await carry(cb, a, (m) => m.type === 'signature' && m.first && m.nonce === 2n);
      await paying;
      await carry(ca, b, (m) => m.type === 'signature' && !m.first && m.nonce === 2n);
      expect(b.latest.state.nonce).toBe(2n);
      expect(b.latest.hash).toEqual(a.latest.hash);
      expect(b.balances.own).toBe(5n);
      // the payer cannot take the passed-over offer now
      expect(await codeOf(a.takeOffer({ nonce: 1n, hash: offer.hash, sig: offer.sig }, 10n, data('call 1')))).toBe(ChannelCode.OfferGone);
      // nor does the payee complete it with a last signature made anyway: it is below the latest state
      const late = await keySigner(KEY_A).signState(offer.state, DOMAIN, offer.hash);
      const sig: Message = { v: WIRE_VERSION, type: 'signature', channelId: a.channelId, nonce: 1n, hash: offer.hash, sig: late, first: false };
      expect(await codeOf(b.receive(messageToJson(sig)))).toBe(ChannelCode.StaleNonce);
      expect(b.latest.state.nonce).toBe(2n);
    } finally {
      close();
    }
  });

  it('a payer that passes over an offer cannot take it before its proposal lands either', async () => {
    const { a, b, close } = await courierPair(84, 1000n);
    try {
      const offer = await b.offer(10n, data('call 1'));
      a.passOffer(1n);
      expect(await codeOf(a.takeOffer({ nonce: 1n, hash: offer.hash, sig: offer.sig }, 10n, data('call 1')))).toBe(ChannelCode.OfferGone);
    } finally {
      close();
    }
  });

  it('the payee never signs a second state at its offer\'s nonce: a payer that did not know of it is shown it and passes over it', async () => {
    const { a, b, ca, cb, close } = await courierPair(85, 1000n);
    try {
      const offer = await b.offer(10n, data('call 1'));
      const paying = a.pay(5n); // a payer that lost the offer (a restart): it proposes at the offer's nonce
      const first = await ca.expect((m) => m.type === 'proposal', 2000).result;
      expect(first?.type === 'proposal' && first.state.nonce).toBe(1n);
      expect(await codeOf(b.receive(messageToJson(first!)))).toBe(ChannelCode.DoubleSign);
      expect(b.offered?.hash).toEqual(offer.hash);
      // the payee showed its offer (all-zero tag, no proposer's HMAC): the payer passes over it at once
      const shown = await cb.expect((m) => m.type === 'signature' && m.first && m.nonce === 1n, 2000).result;
      expect(shown?.type === 'signature' && shown.tag).toEqual(OFFER_TAG);
      await a.receive(messageToJson(shown!));
      expect(a.latest.state.nonce).toBe(0n); // never signed
      await carry(ca, b, (m) => m.type === 'proposal' && m.state.nonce === 2n);
      await carry(cb, a, (m) => m.type === 'signature' && m.first && m.nonce === 2n);
      await paying;
      await carry(ca, b, (m) => m.type === 'signature' && !m.first && m.nonce === 2n);
      expect(b.latest.state.nonce).toBe(2n);
      expect(b.balances.own).toBe(5n);
    } finally {
      close();
    }
  });

  it('refuses a proposal that skips a nonce with no offer there, or more than one', async () => {
    const { a, b, ca, close } = await courierPair(86, 1000n);
    try {
      a.passOffer(1n); // there is no offer: the payee has nothing pending at 1
      void a.pay(5n).catch(() => undefined);
      const skip = await ca.expect((m) => m.type === 'proposal', 2000).result;
      expect(skip?.type === 'proposal' && skip.state.nonce).toBe(2n);
      expect(await codeOf(b.receive(messageToJson(skip!)))).toBe(ChannelCode.WrongNonce);
      expect(b.awaiting).toBeNull();
    } finally {
      close();
    }
  });

  it('a payee with something to propose while its offer stands asks the payer: passed over for good, it proposes past it', async () => {
    const { a, b, ca, cb, close } = await courierPair(88, 1000n);
    try {
      const opening = a.pay(100n); // a first payment, so the payee has something to pay back
      await carry(ca, b, (m) => m.type === 'proposal');
      await carry(cb, a, (m) => m.type === 'signature' && m.first);
      await opening;
      await carry(ca, b, (m) => m.type === 'signature' && !m.first);
      const offer = await b.offer(10n, data('call 1'));
      const paying = b.pay(7n); // the payee pays the payer (a close, a refund): it waits behind its offer
      const asked = await carry(cb, a, (m) => m.type === 'signature' && m.first && m.nonce === 2n).catch((e: unknown) => e);
      expect((asked as { code?: string }).code).toBe(ChannelCode.OfferPassed);
      await carry(ca, b, (m) => m.type === 'error' && m.code === ChannelCode.OfferPassed);
      expect(b.offered).toBeNull();
      expect(await codeOf(b.offer(10n, data('call 2')))).toBe(ChannelCode.Busy); // nothing at the passed nonce, ever
      // the payer never takes it now, and the payee's proposal takes the nonce after it
      expect(await codeOf(a.takeOffer({ nonce: 2n, hash: offer.hash, sig: offer.sig }, 10n, data('call 1')))).toBe(ChannelCode.OfferGone);
      const proposal = await carry(cb, a, (m) => m.type === 'proposal');
      expect(proposal.type === 'proposal' && proposal.state.nonce).toBe(3n);
      await carry(ca, b, (m) => m.type === 'signature' && m.first && m.nonce === 3n);
      await paying;
      await carry(cb, a, (m) => m.type === 'signature' && !m.first && m.nonce === 3n);
      expect(a.latest.hash).toEqual(b.latest.hash);
      expect(a.balances.own).toBe(907n);
    } finally {
      close();
    }
  });

  it('a payee that asks about an offer the payer took gets its last signature, completes it, then proposes', async () => {
    const { a, b, ca, cb, close } = await courierPair(89, 1000n);
    try {
      const offer = await b.offer(10n, data('call 1'));
      await a.takeOffer({ nonce: 1n, hash: offer.hash, sig: offer.sig }, 10n, data('call 1'));
      expect(await ca.expect((m) => m.type === 'signature' && !m.first, 2000).result).not.toBeNull(); // lost on the way
      const paying = b.pay(4n);
      await carry(cb, a, (m) => m.type === 'signature' && m.first && m.nonce === 1n);
      await carry(ca, b, (m) => m.type === 'signature' && !m.first && m.nonce === 1n);
      expect(b.latest.state.nonce).toBe(1n);
      expect(b.balances.own).toBe(10n);
      const proposal = await carry(cb, a, (m) => m.type === 'proposal');
      expect(proposal.type === 'proposal' && proposal.state.nonce).toBe(2n);
      await carry(ca, b, (m) => m.type === 'signature' && m.first && m.nonce === 2n);
      await paying;
      expect(b.balances.own).toBe(6n);
    } finally {
      close();
    }
  });

  it('keeps an offer across a restart of the payee, and refuses offers while an update is in flight', async () => {
    const storeB = new MemoryStore();
    const { a, b, ca, channelId, close } = await courierPair(87, 1000n, { storeB });
    try {
      const offer = await b.offer(10n, data('call 1'));
      expect(await codeOf(b.offer(10n, data('call 2')))).toBe(ChannelCode.Busy);
      b.close();
      const { Channel } = await import('../../client/src/channel/channel.js');
      const { sideConfig } = await import('./fixtures/peers.js');
      const { Courier } = await import('../../client/src/x402/courier.js');
      const cb2 = new Courier();
      const b2 = await Channel.open(sideConfig('b', { channelId, store: storeB, transport: cb2 }));
      try {
        expect(b2.offered?.hash).toEqual(offer.hash);
        await a.takeOffer({ nonce: 1n, hash: offer.hash, sig: offer.sig }, 10n, data('call 1'));
        await carry(ca, b2, (m) => m.type === 'signature' && !m.first && m.nonce === 1n);
        expect(b2.latest.state.nonce).toBe(1n);
        // an update of the payer's in flight: no taking (it would be a second proposal at once)
        const offer2 = await b2.offer(10n, data('call 2'));
        void a.pay(1n).catch(() => undefined);
        await ca.expect((m) => m.type === 'proposal', 2000).result;
        expect(await codeOf(a.takeOffer({ nonce: 2n, hash: offer2.hash, sig: offer2.sig }, 10n, data('call 2')))).toBe(ChannelCode.Busy);
        expect(await codeOf(b2.offer(0n, data('x')))).toBe(ChannelCode.InvalidAmount);
        b2.close();
        // more than the payer holds is no offer either (the transition's rule, as the caller's error)
        const fresh = await courierPair(90, 1000n);
        expect(await codeOf(fresh.b.offer(5_000n, data('x')))).toBe(ChannelCode.InsufficientBalance);
        expect(await codeOf(fresh.a.takeOffer({ nonce: 1n, hash: new Uint8Array(32), sig: new Uint8Array(65) }, 5_000n, data('x')))).toBe(ChannelCode.InsufficientBalance);
        fresh.close();
      } finally {
        b2.close();
      }
    } finally {
      close();
    }
  });
});
