// The node's key file and configuration: the key survives a seal/open round trip and
// nothing else opens it (wrong passphrase, altered file, not a key file, overwrite);
// the configuration layers defaults, file and environment in that order, refuses
// mainnet without the explicit flag, and names the variable or field at fault.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNodeConfig, NODE_DEFAULTS } from '../../client/src/node/config.js';
import { loadTowerConfig } from '../../client/src/tower/config.js';
import { NodeCode } from '../../client/src/node/errors.js';
import { apiToken, tokenPath } from '../../client/src/node/token.js';
import { openKey, readKeyFile, sealKey, writeKeyFile } from '../../client/src/node/keyfile.js';
import { KEY_A, PRINCIPAL_A } from './fixtures/peers.js';

const dir = mkdtempSync(join(tmpdir(), 'bitstream-node-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const KEY = Buffer.from(KEY_A).toString('hex');

describe('key file', () => {
  it('opens with its passphrase and gives back the key', async () => {
    const path = join(dir, 'k1.json');
    writeKeyFile(path, await sealKey(KEY_A, 'correct horse', PRINCIPAL_A, CHEAP));
    const file = readKeyFile(path);
    expect(file.principal).toBe(PRINCIPAL_A);
    expect(readFileSync(path, 'utf8')).not.toContain(KEY);
    expect(await openKey(file, 'correct horse')).toEqual(KEY_A);
  });

  it('refuses a wrong passphrase and an altered file alike', async () => {
    const file = await sealKey(KEY_A, 'correct horse', PRINCIPAL_A, CHEAP);
    await expect(openKey(file, 'wrong horse')).rejects.toMatchObject({ code: NodeCode.BadPassphrase });
    const flipped = file.ciphertext.slice(0, -1) + (file.ciphertext.endsWith('0') ? '1' : '0');
    await expect(openKey({ ...file, ciphertext: flipped }, 'correct horse')).rejects.toMatchObject({ code: NodeCode.BadPassphrase });
    await expect(openKey({ ...file, kdf: { ...file.kdf, salt: '00'.repeat(16) } }, 'correct horse')).rejects.toMatchObject({ code: NodeCode.BadPassphrase });
    await expect(sealKey(KEY_A, '', PRINCIPAL_A, CHEAP)).rejects.toMatchObject({ code: NodeCode.BadPassphrase });
    await expect(sealKey(KEY_A.slice(0, 31), 'pw', PRINCIPAL_A, CHEAP)).rejects.toMatchObject({ code: NodeCode.KeyFile, message: 'a private key is 32 bytes' });
  });

  it('refuses a file that is not a key file, and never overwrites one', async () => {
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"hello":1}');
    expect(() => readKeyFile(junk)).toThrow(expect.objectContaining({ code: NodeCode.KeyFile }));
    expect(() => readKeyFile(join(dir, 'missing.json'))).toThrow(expect.objectContaining({ code: NodeCode.KeyFile }));
    const path = join(dir, 'k2.json');
    const file = await sealKey(KEY_A, 'pw', PRINCIPAL_A, CHEAP);
    writeKeyFile(path, file);
    expect(() => writeKeyFile(path, file)).toThrow(/EEXIST/);
  });
});

describe('node configuration', () => {
  const base = { BITSTREAM_NODE_KEY: KEY, BITSTREAM_DATA_DIR: join(dir, 'data') };

  it('has documented defaults on the local chain', () => {
    const c = loadNodeConfig(base);
    expect(c.chain.network).toBe('local');
    expect(c.peer).toEqual({ host: NODE_DEFAULTS.peerHost, port: NODE_DEFAULTS.peerPort, publicUrl: null, rate: { perSecond: 5000, burst: 20_000 } });
    expect(c.api).toEqual({ host: NODE_DEFAULTS.apiHost, port: NODE_DEFAULTS.apiPort, token: null });
    expect(c.confirmations).toBe(1);
    expect(c.forward).toEqual({ enabled: true, feeBase: 0n, feePpm: 1000, expiryDelta: 12, rates: [] });
    expect(c.invoiceMargin).toBe(3);
    expect(c.towers).toEqual([]);
    expect(loadNodeConfig({ ...base, BITSTREAM_TOWERS: 'http://127.0.0.1:9738, https://tower.example' }).towers).toEqual(['http://127.0.0.1:9738', 'https://tower.example']);
    const t = loadTowerConfig(base);
    expect(t.api).toEqual({ host: '127.0.0.1', port: 9738 });
    expect(t.channelsPerClient).toBe(100);
    expect(loadTowerConfig({ ...base, BITSTREAM_TOWER_PORT: '0', BITSTREAM_TOWER_CHANNELS_PER_CLIENT: '5' })).toMatchObject({ api: { port: 0 }, channelsPerClient: 5 });
    expect(loadNodeConfig({ ...base, BITSTREAM_INVOICE_MARGIN: '10' }).invoiceMargin).toBe(10);
    expect(loadNodeConfig({ ...base, BITSTREAM_FORWARD: '0', BITSTREAM_FEE_BASE: '5', BITSTREAM_FEE_PPM: '250', BITSTREAM_FORWARD_DELTA: '20' }).forward)
      .toEqual({ enabled: false, feeBase: 5n, feePpm: 250, expiryDelta: 20, rates: [] });
    // swap rates: stx and sbtc by name, any SIP-010 contract by principal
    expect(loadNodeConfig({ ...base, BITSTREAM_SWAP_RATES: 'stx/sbtc=3000:1, sbtc/stx=1:3100,ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.test-token/stx=7:2' }).forward.rates).toEqual([
      { inToken: null, outToken: c.chain.sbtc, inUnits: 3000n, outUnits: 1n },
      { inToken: c.chain.sbtc, outToken: null, inUnits: 1n, outUnits: 3100n },
      { inToken: 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.test-token', outToken: null, inUnits: 7n, outUnits: 2n },
    ]);
    expect(c.registry).toBe('ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.secret-registry');
    expect(c.key).toEqual({ kind: 'env', hex: KEY });
  });

  it('takes the file, and the environment over the file', () => {
    const path = join(dir, 'node.json');
    writeFileSync(path, JSON.stringify({ peer: { port: 1111, publicUrl: 'wss://file.example/peer' }, api: { port: 2222 }, confirmations: 3, window: 10 }));
    const c = loadNodeConfig({ ...base, BITSTREAM_CONFIG: path, BITSTREAM_API_PORT: '3333' });
    expect(c.peer.port).toBe(1111);
    expect(c.peer.publicUrl).toBe('wss://file.example/peer');
    expect(loadNodeConfig({ ...base, BITSTREAM_CONFIG: path, BITSTREAM_PEER_PUBLIC_URL: 'wss://env.example' }).peer.publicUrl).toBe('wss://env.example');
    expect(c.api.port).toBe(3333);
    expect(c.confirmations).toBe(3);
    expect(c.chain.window).toBe(10);
  });

  it('refuses mainnet unless told explicitly', () => {
    const mainnet = { ...base, BITSTREAM_NETWORK: 'mainnet', BITSTREAM_CONTRACT: 'SP000000000000000000002Q6VF78.bitstream' };
    expect(() => loadNodeConfig(mainnet)).toThrow(expect.objectContaining({ code: NodeCode.MainnetRefused }));
    expect(loadNodeConfig({ ...mainnet, BITSTREAM_ALLOW_MAINNET: '1' }).chain.chainId).toBe(1);
  });

  it('names what is wrong', () => {
    expect(() => loadNodeConfig({ ...base, BITSTREAM_PEER_PORT: '70000' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_PEER_PORT' }));
    // a hub's delta must cover getting a reveal mined (the safety delta, 6 tenures)
    expect(() => loadNodeConfig({ ...base, BITSTREAM_FORWARD_DELTA: '5' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_FORWARD_DELTA' }));
    expect(() => loadNodeConfig({ ...base, BITSTREAM_TOWERS: 'ws://tower' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_TOWERS' }));
    expect(() => loadTowerConfig({ ...base, BITSTREAM_TOWER_PORT: 'x' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_TOWER_PORT' }));
    expect(() => loadTowerConfig({ ...base, BITSTREAM_TOWER_CHANNELS_PER_CLIENT: '0' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_TOWER_CHANNELS_PER_CLIENT' }));
    for (const bad of ['stx/sbtc=0:1', 'stx/sbtc=3000', 'stx/stx=1:1', 'stx/sbtc=1:1,stx/sbtc=2:1', 'stx/nonsense=1:1', 'stx-sbtc=1:1']) {
      expect(() => loadNodeConfig({ ...base, BITSTREAM_SWAP_RATES: bad }), bad).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_SWAP_RATES' }));
    }
    expect(() => loadNodeConfig({ ...base, BITSTREAM_FORWARD: 'yes' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_FORWARD' }));
    expect(() => loadNodeConfig({ ...base, BITSTREAM_FEE_PPM: '1000001' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_FEE_PPM' }));
    expect(() => loadNodeConfig({ ...base, BITSTREAM_PEER_PUBLIC_URL: 'https://x' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_PEER_PUBLIC_URL' }));
    expect(() => loadNodeConfig({ ...base, BITSTREAM_NODE_KEY: 'abc' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'BITSTREAM_NODE_KEY' }));
    expect(() => loadNodeConfig({ BITSTREAM_DATA_DIR: join(dir, 'empty') })).toThrow(expect.objectContaining({ code: 'CONFIG_MISSING', variable: 'BITSTREAM_NODE_KEY' }));
    expect(() => loadNodeConfig({ ...base, BITSTREAM_NETWORK: 'testnet' })).toThrow(expect.objectContaining({ code: 'CONFIG_MISSING', variable: 'BITSTREAM_CONTRACT' }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ peer: { prot: 1 } }));
    expect(() => loadNodeConfig({ ...base, BITSTREAM_CONFIG: bad })).toThrow(expect.objectContaining({ code: NodeCode.Config }));
    expect(() => loadNodeConfig({ BITSTREAM_DATA_DIR: join(dir, 'x'), BITSTREAM_KEY_FILE: join(dir, 'k1.json') })).toThrow(expect.objectContaining({ variable: 'BITSTREAM_KEY_PASSPHRASE' }));
  });
});

describe('API token', () => {
  it('is the configured one, or generated once into the data directory (mode 600) and kept', () => {
    const dataDir = join(dir, 'tok');
    mkdirSync(dataDir);
    const c = loadNodeConfig({ BITSTREAM_NODE_KEY: KEY, BITSTREAM_DATA_DIR: dataDir });
    const first = apiToken(c);
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(tokenPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(apiToken(c)).toBe(first);
    expect(apiToken(loadNodeConfig({ BITSTREAM_NODE_KEY: KEY, BITSTREAM_DATA_DIR: dataDir, BITSTREAM_API_TOKEN: 'set' }))).toBe('set');
  });
});
