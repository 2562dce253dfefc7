// What went wrong, in words a person acts on. Every error the page shows passes through
// here; the code stays visible (in small type) for a bug report.
import { isWalletRejection } from '../../src/signers/wallet.js';

export interface Shown {
  readonly text: string;
  readonly code: string;
}

const BY_CODE: Record<string, string> = {
  WALLET_REJECTED: 'You declined in the wallet. Nothing was sent.',
  WALLET_SIGNATURE_MISMATCH: 'The wallet signed with another account. Switch the wallet to the connected account and try again.',
  WALLET_REQUEST_FAILED: 'The wallet did not answer. Is it installed, unlocked and on the right network?',
  CHANNEL_INSUFFICIENT_BALANCE: 'Not enough in the channel for this payment. Deposit more, or pay less.',
  CHANNEL_CLOSED: 'The channel is closing or closed: it takes no more payments.',
  PAYMENT_TIMEOUT: 'The hub did not answer in time. The payment did not go through; your balance is unchanged.',
  PAYMENT_PENDING: 'The hub did not answer in time. The payment is still in flight: it settles, or is undone, when the hub answers; the figures follow.',
  PAYMENT_FAILED: 'The payment did not go through; your balance is unchanged.',
  HUB_OPEN_REFUSED: 'The hub refused the channel.',
  HUB_OPEN_FAILED: 'The channel was not opened on-chain; nothing is locked.',
  HUB_CHAIN_FAILED: 'The transaction failed on-chain; nothing moved.',
  APP_NO_FUNDS: 'Not enough funds in your account for this.',
  APP_HUB_OFFLINE: 'The hub is offline. Your channel and its signed states are safe here; payments resume when it is back, or force close to leave without it.',
  APP_BAD_AMOUNT: 'Enter an amount above zero, in the token\'s units.',
  APP_NOT_NOW: 'That does not fit the channel as the chain has it now.',
  APP_NO_WALLET: 'The wallet gave no Stacks address on this page\'s network (Leather or Xverse, pointed at it: see the README).',
};

/** codes whose own message adds what a person needs (the amounts, the network) */
const WITH_DETAIL = new Set(['APP_NO_FUNDS', 'APP_NOT_NOW', 'APP_NO_WALLET']);

export function explain(e: unknown): Shown {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : isWalletRejection(e) ? 'WALLET_REJECTED' : 'ERROR';
  const known = BY_CODE[code];
  const detail = typeof err?.message === 'string' ? err.message : String(e);
  return { text: known === undefined ? detail : WITH_DETAIL.has(code) || code.startsWith('HUB_') ? `${known} ${detail}` : known, code };
}

/** An error the page raises itself, with one of the APP_ codes above. */
export class AppError extends Error {
  constructor(readonly code: 'APP_NO_FUNDS' | 'APP_HUB_OFFLINE' | 'APP_BAD_AMOUNT' | 'APP_NO_WALLET' | 'APP_NOT_NOW', message: string) {
    super(message);
  }
}
