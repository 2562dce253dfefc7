// The dApp's pure parts, in Node: the amounts a person types (every bad one refused, none
// rounded), the config file's schema, and the words an error is shown in. The page
// around them runs in Chromium (tests/browser/app.test.ts).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../client/app/src/config.js';
import { formatAmount, parseAmount } from '../../client/app/src/format.js';
import { AppError, explain } from '../../client/app/src/messages.js';

const STX = { symbol: 'STX', decimals: 6 };
const SBTC = { symbol: 'sBTC', decimals: 8 };
const json = (v: unknown) => `data:application/json,${encodeURIComponent(JSON.stringify(v))}`;
const GOOD = {
  chainUrl: 'http://127.0.0.1:3999', hubUrl: 'ws://127.0.0.1:4000', hubPrincipal: 'ST2NEB84ASENDXKYGJPQW86YXQCEFEX2ZQPG87ND',
  contract: 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.bitstream', registry: 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.secret-registry',
  chainId: 2147483648, network: 'devnet', window: 6, tokens: [{ symbol: 'STX', contract: null, asset: null, decimals: 6 }],
};

describe('amounts as people type them', () => {
  it('parses decimals exactly into smallest units', () => {
    expect(parseAmount('1', STX)).toBe(1_000_000n);
    expect(parseAmount(' 0.000001 ', STX)).toBe(1n);
    expect(parseAmount('12.5', SBTC)).toBe(1_250_000_000n);
    expect(parseAmount('0.00000001', SBTC)).toBe(1n);
  });

  it('refuses zero, negatives, more decimals than the token has, words, and amounts past u128', () => {
    for (const bad of ['0', '0.0', '-1', '1e6', '1,5', '', 'ten', '0.0000001', '.5', '1.', '340282366920938463463374607431768211456']) {
      expect(parseAmount(bad, STX), bad).toBeNull();
    }
    expect(parseAmount('0.000000001', SBTC)).toBeNull();
  });

  it('formats smallest units back without losing a digit', () => {
    expect(formatAmount(1_000_000n, STX)).toBe('1 STX');
    expect(formatAmount(99_999_998_999_412n, STX)).toBe('99,999,998.999412 STX');
    expect(formatAmount(50_000_000n, SBTC)).toBe('0.5 sBTC');
    expect(formatAmount(1n, SBTC)).toBe('0.00000001 sBTC');
    for (const u of [1n, 10n, 123_456_789n, 2n ** 100n]) expect(parseAmount(formatAmount(u, STX).replace(/,| STX/g, ''), STX)).toBe(u);
  });
});

describe("the page's config.json", () => {
  it('takes a well-formed one', async () => {
    expect(await loadConfig(json(GOOD))).toEqual(GOOD);
  });

  it('refuses a wrong one naming every bad field, and says when there is none to read', async () => {
    await expect(loadConfig(json({ ...GOOD, hubUrl: 'http://x', network: 'regtest', tokens: [] }))).rejects.toThrow(/hubUrl: .*; network: .*; tokens: /);
    await expect(loadConfig(json({ ...GOOD, tokens: [{ symbol: 'X', contract: 'not a contract', asset: null, decimals: 6 }] }))).rejects.toThrow(/tokens\.0\.contract/);
    await expect(loadConfig('http://127.0.0.1:1/config.json')).rejects.toThrow(/^could not read http:\/\/127\.0\.0\.1:1\/config\.json/);
  });
});

describe('errors in words', () => {
  it('a wallet refusal by its JSON-RPC code, a known code by its sentence, an unknown one by its message', () => {
    expect(explain({ code: 4001, message: 'User rejected the request' })).toEqual({ text: 'You declined in the wallet. Nothing was sent.', code: 'WALLET_REJECTED' });
    expect(explain({ code: -31001, message: 'closed' }).code).toBe('WALLET_REJECTED');
    expect(explain(Object.assign(new Error('x'), { code: 'CHANNEL_CLOSED' })).text).toBe('The channel is closing or closed: it takes no more payments.');
    expect(explain(new AppError('APP_NO_FUNDS', 'the channel needs 5 and the account holds 1')).text).toBe('Not enough funds in your account for this. the channel needs 5 and the account holds 1');
    expect(explain(new AppError('APP_NOT_NOW', 'the channel is not closing')).text).toMatch(/now\. the channel is not closing$/);
    expect(explain(new Error('something odd'))).toEqual({ text: 'something odd', code: 'ERROR' });
  });
});
