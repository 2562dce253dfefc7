// The account's wallet (Leather, Xverse… through @stacks/connect's request API): its
// address, its one signature of the session key's delegation, and the contract calls
// the page asks it to send. The page never holds the account's key. @stacks/connect is
// loaded on first use, so the page draws before the wallet code arrives.
import type { ClarityValue } from '@stacks/transactions';
import { toWalletCall, type ContractCall } from '../../src/chain/call.js';
import { WalletRejectedError, WalletRequestError } from '../../src/signers/errors.js';
import { isWalletRejection, type StructuredMessageRequest } from '../../src/signers/wallet.js';
import { AppError } from './messages.js';

type Connect = typeof import('@stacks/connect');
let connect: Promise<Connect> | null = null;
const load = () => (connect ??= import('@stacks/connect'));

/** The wallet's error as the page's: a refusal is WALLET_REJECTED, anything else WALLET_REQUEST_FAILED. */
function walletError(e: unknown, what: string): Error {
  if (isWalletRejection(e)) return new WalletRejectedError({ cause: e });
  if (e instanceof AppError) return e;
  return new WalletRequestError(`${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/** The account the person picks in the wallet (its Stacks address on this network). */
export async function connectWallet(network: 'devnet' | 'testnet' | 'mainnet'): Promise<string> {
  let res: { addresses: readonly { address: string; symbol?: string }[] };
  try {
    res = await (await load()).request('getAddresses');
  } catch (e) {
    throw walletError(e, 'the wallet did not give an address');
  }
  const prefix = network === 'mainnet' ? /^S[PM]/ : /^S[TN]/;
  const stx = res.addresses.find((a) => a.symbol === 'STX' && prefix.test(a.address)) ?? res.addresses.find((a) => prefix.test(a.address));
  if (stx === undefined) throw new AppError('APP_NO_WALLET', `the wallet has no ${network} Stacks address: switch it to ${network}`);
  return stx.address;
}

/** stx_signStructuredMessage, as WalletSigner asks it (SIP-018: a message and a domain). */
// (WalletSigner turns a refusal into WALLET_REJECTED itself, from the error's code)
export const signStructured: StructuredMessageRequest = async (method, params) =>
  (await load()).request(method, { message: params.message, domain: params.domain });

/** stx_callContract with the builder's call (deny-mode post-conditions): the wallet shows, signs and broadcasts it. */
export async function sendCall(call: ContractCall): Promise<string> {
  const w = toWalletCall(call);
  let res: { txid?: string };
  try {
    res = await (await load()).request('stx_callContract', {
      contract: w.contract,
      functionName: w.functionName,
      functionArgs: w.functionArgs as ClarityValue[],
      postConditions: w.postConditions,
      postConditionMode: w.postConditionMode,
    });
  } catch (e) {
    throw walletError(e, `the wallet did not send ${w.functionName}`);
  }
  if (typeof res.txid !== 'string' || res.txid === '') throw new WalletRequestError(`the wallet sent ${w.functionName} but gave no transaction id`);
  return res.txid;
}
