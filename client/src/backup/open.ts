// A backup in and out of its seal, checked against the node that opens it.
import { BackupCode, BackupError } from './errors.js';
import { decodeBackup, encodeBackup, encodeBackupTexts, type Backup } from './format.js';
import { seal, unseal } from './seal.js';

export function sealBackup(key: Uint8Array, b: Backup): Uint8Array {
  return seal(key, encodeBackup(b));
}

/** Seal a backup given as its header and its channels' texts (format.ts channelJson). */
export function sealBackupTexts(key: Uint8Array, h: Omit<Backup, 'channels'>, channels: readonly string[]): Uint8Array {
  return seal(key, encodeBackupTexts(h, channels));
}

/** Open `sealed` as `expect.principal`'s backup on `expect`'s chain and contract (BACKUP_* errors otherwise). */
export function openBackup(key: Uint8Array, sealed: Uint8Array, expect: { chainId: number; contract: string; principal: string }): Backup {
  const b = decodeBackup(unseal(key, sealed));
  if (b.principal !== expect.principal) throw new BackupError(BackupCode.WrongKey, `the backup is ${b.principal}'s, not this node's (${expect.principal})`);
  if (b.chainId !== expect.chainId || b.contract !== expect.contract) {
    throw new BackupError(BackupCode.WrongChain, `the backup is for ${b.contract} on chain ${b.chainId}; this node runs ${expect.contract} on chain ${expect.chainId}`, {
      details: { chainId: b.chainId, contract: b.contract },
    });
  }
  return b;
}
