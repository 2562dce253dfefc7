// The client configuration (client/src/config): per-network defaults, the bounds the
// contract enforces, and a typed ConfigError naming the variable for every bad value —
// including the dangerous ones: a principal of the other chain, credentials in the API
// URL, a window the contract would refuse.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError, DEVNET_DEPLOYER, SBTC_MAINNET, SBTC_TESTNET, WINDOW_BOUNDS, loadConfig, requireContract, type Env,
} from '../../client/src/config/index.js';
import { KNOWN_TOKEN_ASSETS } from '../../client/src/chain/tokens.js';
import { BitStreamError } from '../../client/src/errors/errors.js';

function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect(e).toBeInstanceOf(BitStreamError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('defaults', () => {
  it('local is the default network, on the local chain at 127.0.0.1:3999 with the devnet deployer', () => {
    const c = loadConfig({});
    expect(c.network).toBe('local');
    expect(c.apiUrl).toBe('http://127.0.0.1:3999');
    expect(c.contract).toBe(`${simnet.deployer}.bitstream`);
    expect(c.sbtc).toBe(`${simnet.deployer}.sbtc-token`);
    expect(c.chainId).toBe(0x80000000);
    expect(c.window).toBe(144);
    expect(c.limits.maxFee).toBe(1_000_000n);
  });

  it.each([
    ['devnet', 'http://localhost:3999', `${DEVNET_DEPLOYER}.bitstream`, `${DEVNET_DEPLOYER}.sbtc-token`, 0x80000000, 'testnet'],
    ['testnet', 'https://api.testnet.hiro.so', null, SBTC_TESTNET, 0x80000000, 'testnet'],
    ['mainnet', 'https://api.hiro.so', null, SBTC_MAINNET, 1, 'mainnet'],
  ] as const)('%s: API %s, contract %s, sBTC %s', (network, api, contract, sbtc, chainId, stacksNetwork) => {
    const c = loadConfig({ BITSTREAM_NETWORK: network });
    expect(c).toMatchObject({ network, apiUrl: api, contract, sbtc, chainId, stacksNetwork, window: 144 });
  });

  it('the devnet deployer is the simnet deployer', () => {
    expect(DEVNET_DEPLOYER).toBe(simnet.deployer);
  });

  it('the mainnet sBTC principal is the one the brief names, and the chain layer knows both real sBTC tokens', () => {
    expect(SBTC_MAINNET).toBe('SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token');
    expect(KNOWN_TOKEN_ASSETS[SBTC_MAINNET]).toBe('sbtc-token');
    expect(KNOWN_TOKEN_ASSETS[SBTC_TESTNET]).toBe('sbtc-token');
  });

  it('an empty variable counts as unset', () => {
    expect(loadConfig({ BITSTREAM_NETWORK: '', BITSTREAM_WINDOW: '', BITSTREAM_API_URL: '' })).toEqual(loadConfig({}));
  });

  it('values given are taken: API URL (trailing slash dropped), contract, sBTC, window, limits', () => {
    const c = loadConfig({
      BITSTREAM_NETWORK: 'testnet',
      BITSTREAM_API_URL: 'http://127.0.0.1:8080/',
      BITSTREAM_CONTRACT: 'ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG.bitstream',
      BITSTREAM_SBTC: 'ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG.my-sbtc',
      BITSTREAM_WINDOW: '6',
      BITSTREAM_MAX_FEE: '2500000',
      BITSTREAM_POLL_MS: '10',
      BITSTREAM_CONFIRM_TIMEOUT_S: '5',
      BITSTREAM_HTTP_TIMEOUT_MS: '1000',
    });
    expect(c.apiUrl).toBe('http://127.0.0.1:8080');
    expect(requireContract(c)).toBe('ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG.bitstream');
    expect(c.sbtc).toBe('ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG.my-sbtc');
    expect(c.window).toBe(6);
    expect(c.limits).toEqual({ maxFee: 2_500_000n, pollMs: 10, confirmTimeoutS: 5, httpTimeoutMs: 1000 });
  });
});

describe('bad values are typed errors naming the variable', () => {
  it('the window bounds are the contract\'s MIN-WINDOW and MAX-WINDOW', () => {
    const source = readFileSync('contracts/bitstream.clar', 'utf8');
    expect(source).toContain(`(define-constant MIN-WINDOW u${WINDOW_BOUNDS.min})`);
    expect(source).toContain(`(define-constant MAX-WINDOW u${WINDOW_BOUNDS.max})`);
    expect(loadConfig({ BITSTREAM_WINDOW: '6' }).window).toBe(6);
    expect(loadConfig({ BITSTREAM_WINDOW: '4320' }).window).toBe(4320);
  });

  it.each(['5', '4321', '0', '-7', '1e2', '7.0', ' 144', '0x90', 'abc', '99999999999999999999'])('BITSTREAM_WINDOW=%s is refused', (value) => {
    const e = configError({ BITSTREAM_WINDOW: value });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.variable).toBe('BITSTREAM_WINDOW');
    expect(e.details['value']).toBe(value);
  });

  it.each([
    ['BITSTREAM_NETWORK', 'regtest'],
    ['BITSTREAM_NETWORK', 'Mainnet'],
    ['BITSTREAM_API_URL', 'ftp://api.hiro.so'],
    ['BITSTREAM_API_URL', 'api.hiro.so'],
    ['BITSTREAM_API_URL', 'https://api.hiro.so/?key=1'],
    ['BITSTREAM_MAX_FEE', '0'],
    ['BITSTREAM_MAX_FEE', '1000000001'],
    ['BITSTREAM_POLL_MS', '1'],
    ['BITSTREAM_CONFIRM_TIMEOUT_S', '0'],
    ['BITSTREAM_HTTP_TIMEOUT_MS', '10'],
    ['BITSTREAM_CONTRACT', 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM'], // a standard principal
    ['BITSTREAM_CONTRACT', 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGN.bitstream'], // bad checksum
    ['BITSTREAM_SBTC', 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.1bad'],
  ])('%s=%s is CONFIG_INVALID', (variable, value) => {
    const e = configError({ [variable]: value });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.variable).toBe(variable);
  });

  it('credentials in the API URL are refused without being repeated', () => {
    const e = configError({ BITSTREAM_API_URL: 'https://user:hunter2@api.hiro.so' });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.variable).toBe('BITSTREAM_API_URL');
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain('hunter2');
  });

  it('attack: a testnet contract configured on mainnet (or the reverse) is CONFIG_NETWORK_MISMATCH', () => {
    const onMainnet = configError({ BITSTREAM_NETWORK: 'mainnet', BITSTREAM_CONTRACT: `${DEVNET_DEPLOYER}.bitstream` });
    expect(onMainnet.code).toBe('CONFIG_NETWORK_MISMATCH');
    expect(onMainnet.variable).toBe('BITSTREAM_CONTRACT');
    const sbtcOnTestnet = configError({ BITSTREAM_NETWORK: 'testnet', BITSTREAM_SBTC: SBTC_MAINNET });
    expect(sbtcOnTestnet.code).toBe('CONFIG_NETWORK_MISMATCH');
    expect(sbtcOnTestnet.variable).toBe('BITSTREAM_SBTC');
    expect(configError({ BITSTREAM_NETWORK: 'devnet', BITSTREAM_SBTC: SBTC_MAINNET }).code).toBe('CONFIG_NETWORK_MISMATCH');
  });

  it('testnet and mainnet have no channel contract until one is configured: requireContract says so', () => {
    for (const network of ['testnet', 'mainnet'] as const) {
      const c = loadConfig({ BITSTREAM_NETWORK: network });
      expect(c.contract).toBeNull();
      let thrown: unknown;
      try {
        requireContract(c);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).code).toBe('CONFIG_MISSING');
      expect((thrown as ConfigError).variable).toBe('BITSTREAM_CONTRACT');
    }
  });
});
