// Channel backups: what they hold (format.ts), and how they are sealed under the node's
// key (seal.ts). Pure: no files, no network — the node (node/backups.ts, node/peer-vault.ts)
// decides where they go. Must not import the node's services.
export { BackupCode, BackupError } from './errors.js';
export { BACKUP_VERSION, decodeBackup, encodeBackup, type Backup, type BackupChannel } from './format.js';
export { backupKey, seal, unseal } from './seal.js';
export { openBackup, sealBackup } from './open.js';
