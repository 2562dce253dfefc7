// The SIP-010 stand-ins' own rules, and a guard that the error table the suites use
// is exactly the contracts' error constants (so a new error cannot go untested unseen).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import { ERR, SBTC, TEST_TOKEN, alice, bob, expectErr, mint, tokenBalance } from './helpers.js';

describe('test tokens', () => {
  for (const token of [TEST_TOKEN, SBTC]) {
    it(`${token.split('.')[1]}: only the owner transfers; zero mints refused; metadata`, () => {
      mint(token, 10n, alice);
      expectErr(simnet.callPublicFn(token, 'transfer', [Cl.uint(5), Cl.principal(alice), Cl.principal(bob), Cl.none()], bob).result, 900);
      expect(simnet.callPublicFn(token, 'transfer', [Cl.uint(5), Cl.principal(alice), Cl.principal(bob), Cl.some(Cl.bufferFromHex('00'))], alice).result).toBeOk(Cl.bool(true));
      expect(tokenBalance(token, bob)).toBeGreaterThanOrEqual(5n);
      expectErr(simnet.callPublicFn(token, 'faucet', [Cl.uint(0), Cl.principal(alice)], alice).result, 901);
      const decimals = simnet.callReadOnlyFn(token, 'get-decimals', [], alice).result;
      expect(decimals).toBeOk(Cl.uint(token === SBTC ? 8 : 6));
    });
  }

  it('the sBTC stand-in uses the asset name sbtc-token', () => {
    mint(SBTC, 1n, alice);
    expect(simnet.getAssetsMap().has('.sbtc-token.sbtc-token')).toBe(true);
  });
});

describe('error table', () => {
  it('lists every error constant of the channel contract and the registry, with its code', () => {
    const constants = new Map<string, number>();
    for (const file of ['contracts/bitstream.clar', 'contracts/secret-registry.clar']) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\(define-constant ERR-([A-Z0-9-]+) \(err u(\d+)\)\)/g)) {
        constants.set(m[1]!.replaceAll('-', '_'), Number(m[2]));
      }
    }
    expect(Object.fromEntries(constants)).toEqual(ERR);
    // codes are unique and inside their documented range
    expect(new Set(constants.values()).size).toBe(constants.size);
    for (const code of constants.values()) expect(code >= 100 && code < 600).toBe(true);
  });
});
