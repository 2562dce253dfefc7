// The success path of every public function, once for STX and once for an SIP-010 token
// (sBTC), each call labelled with the operation it is. With cost tracking on
// (`vitest run -- --costs`, what `npm run costs` does) each labelled call's cost is
// written to costs-success.json, which tests/costs/report.ts prints next to the
// reference figures. The assertions make sure every call measured succeeded: a refused
// call's cost says nothing.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Cl, type ClarityValue } from '@stacks/transactions';
import {
  Action, CHANNEL, SBTC, WINDOW, alice, bob, burnHeight, callCreate, callId, callSettle, callWithState, fundedChannel, hex,
  mint, publicKeyOf, reveal, secretPair, sign, state, type Channel, type Token,
} from './helpers.js';
import type { Measured } from '../costs/measured.js';

const measured: Measured[] = [];

/** Record a successful call's cost under `label` (when the simnet tracks costs). */
function measure(label: string, token: Token, r: { result: ClarityValue; costs: { total: Omit<Measured, 'label' | 'token'> } | null }): void {
  expect(r.result.type, `${label} must succeed`).toBe('ok');
  if (r.costs !== null) measured.push({ label, token: token === null ? 'STX' : 'sBTC', ...r.costs.total });
}

afterAll(() => {
  if (measured.length > 0) writeFileSync('costs-success.json', JSON.stringify(measured, null, 1));
});

for (const token of [null, SBTC] as Token[]) {
  const label = token === null ? 'STX' : 'sBTC';
  describe(`cost: ${label}`, () => {
    it(`cost: ${label} open, fund, checkpoint, withdraw, add-signer, cooperative closes, settle`, () => {
      if (token !== null) {
        mint(token, 1_000n, alice);
        mint(token, 1_000n, bob);
      }
      const opened = callCreate(alice, bob, 1_000n, { token });
      measure('create-channel', token, opened);
      const ch: Channel = { id: hex((opened.result as unknown as { value: { value: string } }).value.value), a: alice, b: bob, token, contract: CHANNEL };
      const deposit = sign(ch, state(ch, { nonce: 1n, balanceA: 1_000n, balanceB: 1_000n, action: Action.Deposit, actor: bob, amount: 1_000n }));
      measure('fund-channel', token, callWithState('fund-channel', ch, deposit, bob));
      measure('update-balance', token, callWithState('update-balance', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 900n, balanceB: 1_100n })), alice));
      const wd = sign(ch, state(ch, { nonce: 3n, balanceA: 900n, balanceB: 1_000n, action: Action.Withdraw, actor: bob, amount: 100n }));
      measure('withdraw', token, callWithState('withdraw', ch, wd, bob));
      measure('add-signer', token, simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(publicKeyOf(hex('66'.repeat(32))))], alice));
      const { secret, hash } = secretPair(token === null ? 31 : 32);
      const close = sign(ch, state(ch, { nonce: 4n, balanceA: 800n, balanceB: 1_000n, action: Action.Close, htlcs: [{ hash, amount: 100n, expiry: burnHeight() + 10n, offeredByA: true }] }));
      measure('close-channel, one HTLC left', token, callWithState('close-channel', ch, close, alice));
      measure('reveal-secret', token, reveal(secret));
      measure('settle-htlc', token, callSettle(ch, 0, bob));

      const plain = fundedChannel(alice, bob, 1_000n, 1_000n, { token }).ch;
      const coop = sign(plain, state(plain, { nonce: 2n, balanceA: 400n, balanceB: 1_600n, action: Action.Close }));
      measure('close-channel', token, callWithState('close-channel', plain, coop, bob));
    });

    it(`cost: ${label} dispute, challenge with penalty, resolve`, () => {
      const { ch } = fundedChannel(alice, bob, 1_000n, 1_000n, { token });
      measure('initiate-dispute', token, callWithState('initiate-dispute', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 500n, balanceB: 1_500n })), bob));
      measure('challenge, penalty', token, callWithState('challenge', ch, sign(ch, state(ch, { nonce: 3n, balanceA: 900n, balanceB: 1_100n })), alice));
      simnet.mineEmptyBurnBlocks(Number(WINDOW));
      measure('resolve, penalty', token, callId('resolve', ch, alice));
    });

    it(`cost: ${label} emergency close and an honest resolve`, () => {
      const { ch } = fundedChannel(alice, bob, 1_000n, 1_000n, { token });
      measure('emergency-close', token, callId('emergency-close', ch, alice));
      simnet.mineEmptyBurnBlocks(Number(WINDOW));
      measure('resolve', token, callId('resolve', ch, bob));
    });
  });
}
