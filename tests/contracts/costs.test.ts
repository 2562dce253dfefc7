// The success path of every public function, once for STX and once for an SIP-010
// token: `npm run costs` reads these calls from the cost report (tests named "cost: …")
// to print what each operation costs when it succeeds. The assertions make sure each
// call measured is a successful one.
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, CHANNEL, SBTC, WINDOW, alice, bob, burnHeight, callId, callSettle, callWithState, fundedChannel, hex,
  publicKeyOf, reveal, secretPair, sign, state, type Token,
} from './helpers.js';

for (const token of [null, SBTC] as Token[]) {
  const label = token === null ? 'STX' : 'sBTC';
  describe(`cost: ${label}`, () => {
    it(`cost: ${label} open, fund, checkpoint, withdraw, add-signer, cooperative close with an HTLC, settle`, () => {
      const { ch } = fundedChannel(alice, bob, 1_000n, 1_000n, { token });
      expect(callWithState('update-balance', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 900n, balanceB: 1_100n })), alice).result.type).toBe('ok');
      const wd = sign(ch, state(ch, { nonce: 3n, balanceA: 900n, balanceB: 1_000n, action: Action.Withdraw, actor: bob, amount: 100n }));
      expect(callWithState('withdraw', ch, wd, bob).result.type).toBe('ok');
      expect(simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(publicKeyOf(hex('66'.repeat(32))))], alice).result.type).toBe('ok');
      const { secret, hash } = secretPair(token === null ? 31 : 32);
      const close = sign(ch, state(ch, { nonce: 4n, balanceA: 800n, balanceB: 1_000n, action: Action.Close, htlcs: [{ hash, amount: 100n, expiry: burnHeight() + 10n, offeredByA: true }] }));
      expect(callWithState('close-channel', ch, close, alice).result.type).toBe('ok');
      expect(reveal(secret).result.type).toBe('ok');
      expect(callSettle(ch, 0, bob).result.type).toBe('ok');
    });

    it(`cost: ${label} dispute, challenge with penalty, resolve`, () => {
      const { ch } = fundedChannel(alice, bob, 1_000n, 1_000n, { token });
      expect(callWithState('initiate-dispute', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 500n, balanceB: 1_500n })), bob).result.type).toBe('ok');
      expect(callWithState('challenge', ch, sign(ch, state(ch, { nonce: 3n, balanceA: 900n, balanceB: 1_100n })), alice).result.type).toBe('ok');
      simnet.mineEmptyBurnBlocks(Number(WINDOW));
      expect(callId('resolve', ch, alice).result.type).toBe('ok');
    });

    it(`cost: ${label} emergency close`, () => {
      const { ch } = fundedChannel(alice, bob, 1_000n, 1_000n, { token });
      expect(callId('emergency-close', ch, alice).result.type).toBe('ok');
    });
  });
}
