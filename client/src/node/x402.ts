// The node's side of pay-per-call (x402, PROTOCOL §11): as a server's node, the desk that
// offers and settles on its channels for any number of paid-API processes (they call it
// over the API, so they share one view of every channel); as a client's node, the Payer
// that pays a paid API's 402s on its channels with the official @x402 client.
import { x402Client } from '@x402/core/client';
import { decodePaymentResponseHeader } from '@x402/core/http';
import { wrapFetchWithPayment } from '@x402/fetch';
import { BitStreamClientScheme } from '../x402/client-scheme.js';
import { X402Code, X402Error } from '../x402/errors.js';
import { networkOf, type StacksNetwork } from '../x402/names.js';
import { PayeeDesk } from '../x402/payee-desk.js';
import { Payer, type SpendCaps } from '../x402/payer.js';
import type { ChannelManager } from './manager.js';

export interface PaidFetch {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** the payment the response settled, when it was a paid one */
  readonly payment: {
    readonly amount: string;
    readonly transaction: string;
    readonly payer: string | null;
    /** what the server paid back: the unused part of a metered price, or all of a failed request's */
    readonly refund: { readonly amount: string; readonly status: string } | null;
  } | null;
}

/** No channel with the server: say the two commands that make one, when the 402 named the server's node. */
function withOpenHint(e: unknown): unknown {
  if (!(e instanceof X402Error) || e.code !== X402Code.NoChannel) return e;
  const d = e.details as { payTo?: string; asset?: string; node?: { peerUrl?: unknown } | null };
  const peerUrl = typeof d.node?.peerUrl === 'string' ? d.node.peerUrl : '<the server node\'s peer URL>';
  const token = d.asset === 'STX' ? '' : ` --token ${d.asset}`;
  const hint = `bitstream peer connect ${peerUrl} --principal ${d.payTo}; bitstream channel open ${d.payTo} <amount>${token}`;
  return new X402Error(X402Code.NoChannel, `${e.message} (${hint})`, { details: { ...e.details, hint }, cause: e });
}

export class NodeX402 {
  readonly desk: PayeeDesk;
  readonly network: StacksNetwork;
  private readonly payer: Payer;
  private readonly client: x402Client;

  constructor(manager: ChannelManager, o: { chainId: number; caps?: SpendCaps }) {
    this.network = networkOf(o.chainId);
    const assetOf = (token: string | null) => token ?? 'STX';
    const tokenOf = (asset: string) => (asset === 'STX' ? null : asset);
    this.desk = new PayeeDesk((id) => {
      const h = manager.find(id);
      const courier = manager.courierOf(id);
      if (!h || !courier || h.meta.phase !== 'open') return undefined;
      return { channel: h.channel, courier, asset: assetOf(h.meta.token), payer: h.meta.peer };
    });
    this.payer = new Payer({
      caps: o.caps ?? {},
      find: (payTo, network, asset) => {
        if (network !== this.network) return undefined;
        const h = manager.openWith(payTo, tokenOf(asset), (x) => x.channel.balances.own > 0n);
        const courier = h === null ? null : manager.courierOf(h.meta.id);
        return h === null || courier === null ? undefined : { channel: h.channel, courier, payTo, network: this.network, asset };
      },
    });
    this.client = new x402Client().register(this.network, new BitStreamClientScheme(this.payer));
    this.client.setSpendControls(false); // the Payer's caps are the node's
  }

  /** What this node has paid paid APIs, in all and by origin. */
  get spent() {
    return this.payer.spent;
  }

  /** `url` fetched with its 402 paid on one of this node's channels (the node's caps apply). */
  async fetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }, maxAmount?: bigint): Promise<PaidFetch> {
    const pay = wrapFetchWithPayment(this.payer.fetchWith(fetch, maxAmount === undefined ? {} : { perRequest: maxAmount }), this.client);
    let res: Response;
    try {
      res = await pay(url, init);
    } catch (e) {
      throw withOpenHint(e);
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    const body = await res.text();
    let payment: PaidFetch['payment'] = null;
    const receipt = res.headers.get('payment-response');
    if (receipt !== null) {
      try {
        const r = decodePaymentResponseHeader(receipt);
        const refund = (r.extra?.['refund'] ?? null) as { amount: string; status: string } | null;
        if (r.success) payment = { amount: r.amount ?? '', transaction: r.transaction, payer: r.payer ?? null, refund };
      } catch {
        payment = null;
      }
    }
    return { status: res.status, headers, body, payment };
  }
}
