// The payout-hook attacker of state-first.test.ts and claim-finalise.test.ts: a contract
// participant (fixtures/contract-party.clar, participant-b) in a channel whose token
// (fixtures/hook-token.clar) calls it back on every transfer, and the means to arm its
// callback and read what it saw. It deploys and drives those two fixtures only; the
// channel contract's own wrappers are in helpers.ts.
import { Cl } from '@stacks/transactions';
import { expect } from 'vitest';
import { htlcsToClarity } from '../../client/src/codec/state.js';
import { alice, carol, deployFixture, hex, mint, open, publicKeyOf, sign, state, type Channel, type Signed } from './helpers.js';

/** The key the party authorises in its channels (a contract has no key of its own). */
export const PARTY_KEY = hex('81'.repeat(32));

export interface HookParty {
  /** the participant contract */
  readonly party: string;
  /** the token that calls it back */
  readonly token: string;
}

/** Deploy both fixtures (the simnet resets before every test: call it in beforeEach). */
export function deployHookParty(): HookParty {
  // the party first: the token's hook names it
  const party = deployFixture('contract-party');
  return { party, token: deployFixture('hook-token') };
}

/** Alice opens `amount` in the hook token with the party as participant-b; the party authorises PARTY_KEY. */
export function channelWithParty(h: HookParty, amount = 300n): Channel {
  mint(h.token, amount, alice);
  const ch = open(alice, h.party, amount, { token: h.token });
  expect(simnet.callPublicFn(h.party, 'authorise', [Cl.buffer(ch.id), Cl.buffer(publicKeyOf(PARTY_KEY))], carol).result).toBeOk(Cl.bool(true));
  return ch;
}

/** A state of `ch` signed by alice and by the party's key. */
export const signedWithParty = (ch: Channel, fields: Parameters<typeof state>[1]): Signed => sign(ch, state(ch, fields), { keyB: PARTY_KEY });

/** Arm the party's hook: on its next receipt it calls `fn` with `s` (blank fields without one) as the participant. */
export function arm(fn: string, ch: Channel, s?: Signed) {
  const st = s?.state;
  const plan = Cl.tuple({
    fn: Cl.stringAscii(fn), id: Cl.buffer(ch.id), nonce: Cl.uint(st?.nonce ?? 0n), 'balance-a': Cl.uint(st?.balanceA ?? 0n),
    'balance-b': Cl.uint(st?.balanceB ?? 0n), htlcs: htlcsToClarity(st?.htlcs ?? []), action: Cl.uint(st?.action ?? 0),
    actor: Cl.principal(st?.actor ?? alice), amount: Cl.uint(st?.amount ?? 0n), 'valid-until': Cl.uint(st?.validUntil ?? 0n),
    data: Cl.buffer(st?.data ?? new Uint8Array(32)), 'sig-a': Cl.buffer(s?.sigA ?? new Uint8Array(65)), 'sig-b': Cl.buffer(s?.sigB ?? new Uint8Array(65)),
  });
  expect(simnet.callPublicFn(ch.b, 'arm', [plan], carol).result).toBeOk(Cl.bool(true));
}

/** What the last callback returned. */
export const hookResult = (h: HookParty) => simnet.callReadOnlyFn(h.party, 'get-hook-result', [], carol).result;

/** The channel as the last callback saw it. */
export const hookSeen = (h: HookParty) => simnet.callReadOnlyFn(h.party, 'get-hook-seen', [], carol).result;

/** What hookSeen returns for a channel at `status`, `nonce` and `total` (and whether HTLC 0 was settled). */
export const seen = (status: bigint, nonce: bigint, total: bigint, settled = false) =>
  Cl.some(Cl.tuple({ status: Cl.uint(status), nonce: Cl.uint(nonce), total: Cl.uint(total), 'htlc-0-settled': Cl.bool(settled) }));
