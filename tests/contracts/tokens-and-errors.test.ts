// The SIP-010 stand-ins' own rules, and guards that keep the suites honest about the
// contracts: the error table the suites use is exactly the contracts' error constants,
// the README's error table says the same, every error constant is asserted by some test
// and every public and read-only function is called by some test (so a new error or
// function cannot go untested unseen; PROTOCOL v2 §6.2).
import { readdirSync, readFileSync } from 'node:fs';
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

const CONTRACTS = ['contracts/bitstream.clar', 'contracts/secret-registry.clar'];

/** Every error constant of the channel contract and the registry: name (ERR key form) -> code. */
function errorConstants(): Map<string, number> {
  const constants = new Map<string, number>();
  for (const file of CONTRACTS) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\(define-constant ERR-([A-Z0-9-]+) \(err u(\d+)\)\)/g)) {
      constants.set(m[1]!.replaceAll('-', '_'), Number(m[2]));
    }
  }
  return constants;
}

/** The contract suites' sources (this file excluded: it checks, it does not test). */
function suiteSources(): { name: string; text: string }[] {
  return readdirSync('tests/contracts')
    .filter((f) => f.endsWith('.test.ts') && f !== 'tokens-and-errors.test.ts')
    .map((f) => ({ name: f, text: readFileSync(`tests/contracts/${f}`, 'utf8') }));
}

describe('error table', () => {
  it('lists every error constant of the channel contract and the registry, with its code', () => {
    const constants = errorConstants();
    expect(Object.fromEntries(constants)).toEqual(ERR);
    // codes are unique and inside their documented range
    expect(new Set(constants.values()).size).toBe(constants.size);
    for (const code of constants.values()) expect(code >= 100 && code < 600).toBe(true);
  });

  it('the README\'s error table lists exactly the contracts\' error constants, with their codes', () => {
    const rows = new Set<string>();
    for (const m of readFileSync('README.md', 'utf8').matchAll(/^\|\s*u(\d+)\s*\|\s*(ERR-[A-Z0-9-]+)\s*\|/gm)) rows.add(`u${m[1]} ${m[2]}`);
    const constants = new Set([...errorConstants()].map(([name, code]) => `u${code} ERR-${name.replaceAll('_', '-')}`));
    const missing = [...constants].filter((c) => !rows.has(c)).sort();
    const extra = [...rows].filter((r) => !constants.has(r)).sort();
    expect({ missing, extra }, 'README error table vs define-constants').toEqual({ missing: [], extra: [] });
  });

  it('every error constant is asserted by some contract suite', () => {
    const text = suiteSources().map((f) => f.text).join('\n');
    const untested = Object.keys(ERR).filter((k) => !new RegExp(`ERR\\.${k}\\b`).test(text));
    expect(untested).toEqual([]);
  });
});

describe('function coverage', () => {
  it('every public and read-only function of the channel contract and the registry is called by some suite', () => {
    const fns = CONTRACTS.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\(define-(?:public|read-only) \(([a-z0-9-]+)/g)].map((m) => m[1]!));
    const suites = suiteSources().map((f) => f.text).join('\n');
    // a suite calls a function by name, or through a helpers.ts wrapper that names it
    const helpers = readFileSync('tests/contracts/helpers.ts', 'utf8').split(/^export (?:function|const) /m).slice(1);
    const viaHelper = (fn: string) =>
      helpers.some((chunk) => chunk.includes(`'${fn}'`) && new RegExp(`\\b${chunk.match(/^[A-Za-z0-9_]+/)![0]}\\(`).test(suites));
    const uncalled = fns.filter((fn) => !suites.includes(`'${fn}'`) && !viaHelper(fn));
    expect(fns.length).toBeGreaterThan(20);
    expect(uncalled).toEqual([]);
  });
});
