// The page's reads of the chain through the Stacks API (the local chain's, or Hiro's):
// the account's balances, the tip, a transaction until it is mined, the channel's
// on-chain record. Reads only: every write goes through the wallet.
import { createNetwork } from '@stacks/network';
import { getChannel, type ChainContext } from '../../src/chain/readers.js';
import { httpReadOnlyCaller } from '../../src/chain/read-only-caller.js';
import type { ChannelRecord } from '../../src/chain/record.js';
import { StacksApi, type Heights, type TxView } from '../../src/chainclient/api.js';
import type { AppConfig, TokenInfo } from './config.js';

export class ChainView {
  readonly api: StacksApi;
  readonly ctx: ChainContext;

  constructor(private readonly cfg: AppConfig) {
    const network = createNetwork({ network: cfg.network, client: { baseUrl: cfg.chainUrl } });
    this.api = new StacksApi(cfg.chainUrl, network);
    this.ctx = { caller: httpReadOnlyCaller({ network, client: { baseUrl: cfg.chainUrl } }), contract: cfg.contract, registry: cfg.registry };
  }

  heights(): Promise<Heights> {
    return this.api.heights();
  }

  /** The account's balance of each configured token, by symbol. */
  async balances(account: string): Promise<Map<string, bigint>> {
    const res = await fetch(`${this.cfg.chainUrl}/extended/v1/address/${account}/balances`);
    if (!res.ok) throw new Error(`the chain API answered ${res.status} for the balances of ${account}`);
    const body = (await res.json()) as { stx: { balance: string }; fungible_tokens: Record<string, { balance: string }> };
    const out = new Map<string, bigint>();
    for (const t of this.cfg.tokens) out.set(t.symbol, BigInt(t.contract === null ? body.stx.balance : (body.fungible_tokens[assetId(t)]?.balance ?? '0')));
    return out;
  }

  /** Wait until `txid` is mined (or failed); `onWait` hears each look. */
  async mined(txid: string, onWait?: (tx: TxView | null) => void): Promise<TxView> {
    for (;;) {
      const tx = await this.api.tx(txid).catch(() => null);
      if (tx !== null && tx.status !== 'pending' && (tx.burnHeight !== null || tx.status !== 'success')) return tx;
      onWait?.(tx);
      await new Promise((ok) => setTimeout(ok, 500));
    }
  }

  record(channelId: Uint8Array): Promise<ChannelRecord | null> {
    return getChannel(this.ctx, { channelId });
  }
}

export const assetId = (t: TokenInfo) => `${t.contract}::${t.asset}`;
