// The fee of one deploy transaction: a fixed fee from the command line, or the node's
// estimate for the payload (POST /v2/fees/transaction, middle estimate), or — when the
// node has no estimate yet, as on a fresh devnet — its transfer fee rate times the
// transaction's length. Never below 1 µSTX per byte (the mempool's minimum), never above
// the configured cap: a fee over the cap stops the deploy before anything is sent.
import type { StacksApi } from './api.js';
import { DeployError } from './errors.js';

export type FeeSource = 'flag' | 'estimate' | 'fee-rate';

export interface FeeChoice {
  readonly fee: bigint;
  readonly source: FeeSource;
}

/** The mempool refuses fees below 1 µSTX per byte of the transaction. */
export const MIN_FEE_RATE = 1n;

export async function chooseFee(opts: {
  api: StacksApi;
  contract: string;
  payload: Uint8Array;
  length: number;
  fixedFee: bigint | undefined;
  maxFee: bigint;
}): Promise<FeeChoice> {
  let choice: FeeChoice;
  if (opts.fixedFee !== undefined) {
    choice = { fee: opts.fixedFee, source: 'flag' };
  } else {
    const estimate = await opts.api.estimateFee(opts.payload, opts.length);
    const floor = BigInt(opts.length) * MIN_FEE_RATE;
    if (estimate !== null) choice = { fee: estimate > floor ? estimate : floor, source: 'estimate' };
    else {
      const rate = await opts.api.transferFeeRate();
      const byRate = BigInt(opts.length) * rate;
      choice = { fee: byRate > floor ? byRate : floor, source: 'fee-rate' };
    }
  }
  if (choice.fee > opts.maxFee) {
    throw new DeployError('DEPLOY_FEE_ABOVE_CAP', `${opts.contract}: fee ${choice.fee} µSTX (${choice.source}) is above the cap ${opts.maxFee} µSTX (BITSTREAM_MAX_FEE)`, {
      details: { contract: opts.contract, fee: choice.fee.toString(), cap: opts.maxFee.toString(), source: choice.source },
    });
  }
  return choice;
}
