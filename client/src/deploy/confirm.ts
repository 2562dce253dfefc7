// Waiting for a transaction to be mined: poll GET /extended/v1/tx/{txid} every
// `pollMs` until it succeeds, fails (aborted by its response, or dropped from the
// mempool) or `timeoutMs` passes. The clock and the sleep are injectable so tests need
// not wait. Only success returns; anything else is a DeployError.
import type { StacksApi } from './api.js';
import { DeployError } from './errors.js';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function waitForConfirmation(opts: {
  api: StacksApi;
  txid: string;
  contract: string;
  pollMs: number;
  timeoutMs: number;
  clock?: Clock;
}): Promise<{ blockHeight: number | null }> {
  const clock = opts.clock ?? realClock;
  const deadline = clock.now() + opts.timeoutMs;
  for (;;) {
    const state = await opts.api.transaction(opts.txid);
    if (state.status === 'success') return { blockHeight: state.blockHeight };
    if (state.status === 'failed') {
      throw new DeployError('DEPLOY_TX_FAILED', `${opts.contract}: transaction 0x${opts.txid} ${state.reason}${state.result ? ` ${state.result}` : ''}`, {
        details: { contract: opts.contract, txid: opts.txid, reason: state.reason, result: state.result },
      });
    }
    if (clock.now() >= deadline) {
      throw new DeployError('DEPLOY_TIMEOUT', `${opts.contract}: transaction 0x${opts.txid} not confirmed after ${opts.timeoutMs} ms`, {
        details: { contract: opts.contract, txid: opts.txid, timeoutMs: opts.timeoutMs },
      });
    }
    await clock.sleep(opts.pollMs);
  }
}
