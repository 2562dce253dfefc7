// Why a backup could not be read. Codes are stable API: the CLI and the node's API show
// them as they are.
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

export const BackupCode = {
  /** not a BitStream backup, truncated, or a field out of range */
  Malformed: 'BACKUP_MALFORMED',
  /** a backup format version this client does not read */
  Version: 'BACKUP_VERSION',
  /** it does not open with this node's key (another node's backup, or altered) */
  WrongKey: 'BACKUP_WRONG_KEY',
  /** made for another chain or channel contract than this node's */
  WrongChain: 'BACKUP_WRONG_CHAIN',
} as const;
export type BackupCode = (typeof BackupCode)[keyof typeof BackupCode];

export class BackupError extends BitStreamError {
  constructor(code: BackupCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
