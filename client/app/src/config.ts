// What the page needs to know of its world, read from ./config.json next to the page:
// `npm run app` serves it for the local chain and its hub; a deployment writes its own.
// Checked by schema, so a wrong file is one clear message, not a broken page.
import { z } from 'zod';

const token = z.object({
  symbol: z.string().min(1),
  /** the SIP-010 contract, null for STX */
  contract: z.string().regex(/^S[0-9A-Z]+\.[a-zA-Z][a-zA-Z0-9-]*$/).nullable(),
  /** the fungible token's asset name inside the contract (sbtc-token), null for STX */
  asset: z.string().nullable(),
  decimals: z.number().int().min(0).max(18),
});

const schema = z.object({
  /** the Stacks API the page reads (balances, transactions, read-only calls) */
  chainUrl: z.string().url(),
  /** the hub node's peer WebSocket */
  hubUrl: z.string().regex(/^wss?:\/\//),
  hubPrincipal: z.string().regex(/^S[0-9A-Z]+$/),
  contract: z.string().regex(/^S[0-9A-Z]+\.[a-zA-Z][a-zA-Z0-9-]*$/),
  registry: z.string().regex(/^S[0-9A-Z]+\.[a-zA-Z][a-zA-Z0-9-]*$/),
  chainId: z.number().int().nonnegative(),
  network: z.enum(['devnet', 'testnet', 'mainnet']),
  /** the dispute window the page asks for, in burn blocks */
  window: z.number().int().positive(),
  tokens: z.array(token).min(1),
});

export type AppConfig = z.infer<typeof schema>;
export type TokenInfo = AppConfig['tokens'][number];

export async function loadConfig(url = './config.json'): Promise<AppConfig> {
  let raw: unknown;
  try {
    raw = await (await fetch(url)).json();
  } catch (e) {
    throw new Error(`could not read ${url}: ${(e as Error).message}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new Error(`${url}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
