// The sealed channel backup: what goes in comes out exactly, under the node's key only;
// a copy altered anywhere, opened with another key, for another node, chain or contract,
// of another version, truncated or malformed inside is refused with its own code.
import { describe, expect, it } from 'vitest';
import { BackupCode, backupKey, decodeBackup, encodeBackup, openBackup, seal, sealBackup, unseal, type Backup } from '../../client/src/backup/index.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { domainHash, stateHash } from '../../client/src/codec/sip018.js';
import { toHex } from '../../client/src/wire/json.js';
import { DOMAIN, KEY_A, KEY_B, KEY_MALLORY, PRINCIPAL_A, PRINCIPAL_B, channelIdOf, openingState } from './fixtures/peers.js';

const signed = (nonce: bigint, balanceA: bigint) => {
  const state = { ...openingState(channelIdOf(7), 0n), nonce, balanceA, balanceB: 1_000_000n - balanceA, htlcs: [{ hash: new Uint8Array(32).fill(9), amount: 5n, expiry: 400n, offeredByA: false }] };
  const hash = stateHash(state, domainHash(DOMAIN));
  return { state, hash, sigA: nobleBackend.sign(hash, KEY_A), sigB: nobleBackend.sign(hash, KEY_B) };
};

const backup: Backup = {
  chainId: DOMAIN.chainId, contract: DOMAIN.contract, principal: PRINCIPAL_A, createdAt: 1_796_000_000_000,
  channels: [{
    meta: {
      id: toHex(channelIdOf(7)), peer: PRINCIPAL_B, peerKey: toHex(nobleBackend.publicKeyOf(KEY_B)), role: 'a', token: null, window: 6n, opening: 1_000_000n,
      phase: 'open', createdTxid: 'ab'.repeat(32), createdAt: 1_795_000_000_000,
    },
    peerUrl: 'ws://127.0.0.1:9736', latest: signed(12n, 400_000n), base: null, closable: signed(12n, 400_000n),
    secrets: [new Uint8Array(32).fill(3)], landings: [{ nonce: 0n, burn: 120n }],
  }],
};
const KEY = backupKey(KEY_A);
const expectOf = { chainId: DOMAIN.chainId, contract: DOMAIN.contract, principal: PRINCIPAL_A };

describe('channel backups', () => {
  it('round-trips every field exactly, sealed under a key derived from the node key (not the key itself)', () => {
    expect(toHex(KEY)).not.toBe(toHex(KEY_A));
    const sealed = sealBackup(KEY, backup);
    expect(Buffer.from(sealed).includes(Buffer.from(PRINCIPAL_B))).toBe(false); // nothing readable inside
    expect(openBackup(KEY, sealed, expectOf)).toEqual(backup);
    // a fresh nonce each time: two seals of the same backup differ
    expect(toHex(sealBackup(KEY, backup))).not.toBe(toHex(sealed));
  });

  it('refuses an altered copy anywhere, and another node\'s key', () => {
    const sealed = sealBackup(KEY, backup);
    for (const at of [5, 10, 20, sealed.length - 30, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      expect(() => openBackup(KEY, bad, expectOf), `byte ${at}`).toThrow(expect.objectContaining({ code: BackupCode.WrongKey }) as Error);
    }
    expect(() => openBackup(backupKey(KEY_MALLORY), sealed, expectOf)).toThrow(expect.objectContaining({ code: BackupCode.WrongKey }) as Error);
  });

  it('refuses another node\'s backup sealed with this key, another chain or contract, another version, and what is not a backup', () => {
    expect(() => openBackup(KEY, sealBackup(KEY, { ...backup, principal: PRINCIPAL_B }), expectOf)).toThrow(expect.objectContaining({ code: BackupCode.WrongKey }) as Error);
    expect(() => openBackup(KEY, sealBackup(KEY, { ...backup, chainId: 1 }), expectOf)).toThrow(expect.objectContaining({ code: BackupCode.WrongChain }) as Error);
    expect(() => openBackup(KEY, sealBackup(KEY, { ...backup, contract: 'SP000000000000000000002Q6VF78.bitstream' }), expectOf)).toThrow(expect.objectContaining({ code: BackupCode.WrongChain }) as Error);
    const sealed = sealBackup(KEY, backup);
    const v2 = sealed.slice();
    v2[4] = 2;
    expect(() => unseal(KEY, v2)).toThrow(expect.objectContaining({ code: BackupCode.Version }) as Error);
    expect(() => unseal(KEY, sealed.slice(0, 20))).toThrow(expect.objectContaining({ code: BackupCode.Malformed }) as Error);
    expect(() => unseal(KEY, new TextEncoder().encode('{"channels": []} and more bytes to be long enough'))).toThrow(expect.objectContaining({ code: BackupCode.Malformed }) as Error);
  });

  it('refuses contents that are not a backup of this version, field by field', () => {
    const json = JSON.parse(new TextDecoder().decode(encodeBackup(backup))) as Record<string, unknown> & { channels: Record<string, unknown>[] };
    const bad = (v: unknown) => () => decodeBackup(new TextEncoder().encode(JSON.stringify(v)));
    expect(bad({ ...json, version: 2 })).toThrow(expect.objectContaining({ code: BackupCode.Version }) as Error);
    expect(bad({ ...json, extra: 1 })).toThrow(expect.objectContaining({ code: BackupCode.Malformed }) as Error);
    expect(bad({ ...json, channels: [{ ...json.channels[0], secrets: ['zz'] }] })).toThrow(expect.objectContaining({ code: BackupCode.Malformed }) as Error);
    expect(bad({ ...json, channels: [{ ...json.channels[0], latest: { ...(json.channels[0]!['latest'] as object), sigA: '00' } }] })).toThrow(expect.objectContaining({ code: BackupCode.Malformed }) as Error);
    expect(() => decodeBackup(new TextEncoder().encode('not json'))).toThrow(expect.objectContaining({ code: BackupCode.Malformed }) as Error);
    // and a sealed blob of anything else opens but is refused
    expect(() => openBackup(KEY, seal(KEY, new TextEncoder().encode('[]')), expectOf)).toThrow(expect.objectContaining({ code: BackupCode.Malformed }) as Error);
  });
});
