// The token a channel escrows, as the chain layer needs it: the `(optional <sip-010>)`
// argument of a call, and the asset name a fungible-token post-condition names
// (`<token contract>::<asset name>`, the name in the token's `define-fungible-token`).
// The asset name cannot be read from a contract principal, so known tokens have a
// default table and any other token needs it passed explicitly. No I/O.
import { Cl, type ClarityValue } from '@stacks/transactions';
import { InvalidInputError } from '../errors/errors.js';
import { contractPrincipal } from './validate.js';

/** Asset names of the tokens BitStream knows, by token contract principal. */
export const KNOWN_TOKEN_ASSETS: Readonly<Record<string, string>> = {
  // sBTC on mainnet (Clarinet's simnet remaps requirements to this address too)
  'SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token': 'sbtc-token',
  // sBTC on testnet
  'ST1F7QA2MDF17S807EPA36TSS8AMEFY4KA9TVGWXT.sbtc-token': 'sbtc-token',
  // this project's simnet/devnet stand-ins (contracts/sbtc-token.clar, test-token.clar)
  'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.sbtc-token': 'sbtc-token',
  'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.test-token': 'test-token',
};

/** The `(optional <sip-010>)` argument: none for STX. */
export function tokenArg(token: string | null): ClarityValue {
  return token === null ? Cl.none() : Cl.some(Cl.principal(contractPrincipal(token, 'token')));
}

/**
 * The asset name for post-conditions on `token`: the explicit `assetName` if given,
 * else the known-token table. An unknown token without a name is refused: guessing
 * would build a post-condition that aborts every call.
 */
export function assetNameOf(token: string, assetName?: string): string {
  if (assetName !== undefined) {
    if (!/^[a-zA-Z]([a-zA-Z0-9]|[-_!?+<>=/*])*$/.test(assetName) || assetName.length > 128) {
      throw new InvalidInputError('BAD_ASSET_NAME', `not a Clarity asset name: ${assetName}`, { details: { assetName } });
    }
    return assetName;
  }
  const known = KNOWN_TOKEN_ASSETS[token];
  if (known === undefined) {
    throw new InvalidInputError('UNKNOWN_TOKEN_ASSET', `no known asset name for ${token}: pass assetName`, { details: { token } });
  }
  return known;
}
