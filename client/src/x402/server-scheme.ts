// The BitStream scheme for x402's resource server (register(network, scheme)): prices in
// the token's smallest unit, each 402 names the request it binds, and an unpaid request
// that carries the client's proposal gets the server's first signature in its 402.
import type { AssetAmount, Network, PaymentRequirements, Price, SchemeNetworkServer, SchemePaymentRequiredContext, SettleContext, VerifiedPaymentCanceledContext } from '@x402/core/types';
import type { HTTPRequestContext } from '@x402/core/server';
import { requestPath } from './binding.js';
import { X402Code, X402Error } from './errors.js';
import type { Offer, Refusal } from './forms.js';
import { DEFAULT_RETRIES, PAYMENT_IDENTIFIER, PROPOSAL_HEADER, SCHEME, type StacksNetwork } from './names.js';
import type { Desk, Priced } from './payee-desk.js';

export interface ServerSchemeOptions {
  /** the server's channels: a PayeeDesk in this process, or a node's (NodeDesk) */
  readonly desk: Desk;
  readonly network: StacksNetwork;
  /** the asset a bare price is in: STX (the default) or a SIP-010 contract such as sBTC's */
  readonly asset?: string;
  /** decimals of the assets this server prices, for x402's display and `$` overrides (STX: 6) */
  readonly decimals?: Readonly<Record<string, number>>;
  /** what a client needs to reach this server's node (peer URL, contract), copied into every accept */
  readonly extra?: Readonly<Record<string, unknown>>;
  /**
   * On routes that declare x402's payment-identifier extension: how many times a retry of
   * a route's last payment (same payload, same payment id, same request) is served without
   * a new charge (default 2). Routes without the declaration serve none.
   */
  readonly retries?: number;
}

const AMOUNT = /^[1-9][0-9]{0,38}$/;

/** The transfer method name x402 keys payment flows by: a channel state, settled before the handler. */
const CHANNEL_STATE = 'channel-state';

export class BitStreamServerScheme implements SchemeNetworkServer {
  readonly scheme = SCHEME;
  readonly defaultAssetTransferMethod = CHANNEL_STATE;
  /**
   * `upfront` (the default): the payment is final and durable before the handler runs.
   * `escrow` (a metered route, `extra.paymentFlow`): the same before the handler, then a
   * charge of what it used (x402's settlement overrides) and the rest paid back.
   */
  readonly paymentFlows = { [CHANNEL_STATE]: { supported: ['upfront', 'escrow'] as const, default: 'upfront' as const } };
  /** per-request fields, not terms: left out when x402 matches a payload to its requirements */
  readonly dynamicExtraFields = ['offer', 'refusal'];
  private readonly opts: ServerSchemeOptions;
  private readonly asset: string;

  constructor(opts: ServerSchemeOptions) {
    this.opts = opts;
    this.asset = opts.asset ?? 'STX';
  }

  /** A price is a whole number of the token's smallest unit (a string or number), or an AssetAmount. */
  parsePrice(price: Price, network: Network): Promise<AssetAmount> {
    try {
      if (network !== this.opts.network) throw new X402Error(X402Code.BadNetwork, `this scheme serves ${this.opts.network}, not ${network}`);
      if (typeof price === 'object') {
        if (!AMOUNT.test(price.amount)) throw new X402Error(X402Code.BadPrice, `the price ${price.amount} is not a positive whole number of the token's smallest unit`);
        return Promise.resolve({ amount: price.amount, asset: price.asset });
      }
      const text = String(price);
      if (!AMOUNT.test(text)) {
        throw new X402Error(X402Code.BadPrice, `the price ${text} is not a positive whole number of ${this.asset}'s smallest unit (BitStream does not convert dollars)`, {
          details: { price: text },
        });
      }
      return Promise.resolve({ amount: text, asset: this.asset });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The desk settles by phase: the payload says which (before, after the handler, or cancel). */
  enrichSettlementPayload(ctx: SettleContext): Promise<Record<string, unknown>> {
    return Promise.resolve({ phase: ctx.phase });
  }

  /** A handler that failed after the payment: charge nothing, so the whole price goes back. */
  settleOnCancel(ctx: VerifiedPaymentCanceledContext): PaymentRequirements {
    const r = ctx.requirements;
    return { ...r, amount: '0', extra: { ...r.extra } } as PaymentRequirements;
  }

  getAssetDecimals(asset: string): number | undefined {
    return this.opts.decimals?.[asset] ?? (asset === 'STX' ? 6 : undefined);
  }

  enhancePaymentRequirements(requirements: PaymentRequirements): Promise<PaymentRequirements> {
    return Promise.resolve({ ...requirements, extra: { ...requirements.extra, ...this.opts.extra } });
  }

  /**
   * Every 402 (and the requirements a payment is matched to) names the request as this
   * server sees it; an unpaid request with a proposal gets the offer or the refusal.
   */
  async enrichPaymentRequiredResponse(ctx: SchemePaymentRequiredContext): Promise<PaymentRequirements[] | void> {
    const http = (ctx.transportContext as { request?: HTTPRequestContext } | undefined)?.request;
    if (http === undefined) return undefined;
    const method = http.method.toUpperCase();
    const path = requestPath(http.adapter.getUrl());
    const header = ctx.paymentPayload === undefined ? http.adapter.getHeader(PROPOSAL_HEADER) : undefined;
    const ours = (r: PaymentRequirements) => r.scheme === SCHEME && r.network === this.opts.network;
    // the route's terms, the same in its 402 and for its paid request: the request bound,
    // and the retries it serves when it declares payment-identifier
    const declared = ctx.paymentRequiredResponse.extensions?.[PAYMENT_IDENTIFIER] !== undefined;
    const retries = declared ? { retries: this.opts.retries ?? DEFAULT_RETRIES } : {};
    const accepts = ctx.requirements.map((r) => (ours(r) ? { ...r, extra: { ...r.extra, request: { method, path }, ...retries } } : r));
    if (header === undefined) return accepts;
    const candidates = accepts.filter(ours);
    const priced = candidates.map((r): Priced => ({ method, path, amount: BigInt(r.amount), asset: r.asset }));
    const out = await this.opts.desk.offer(header, priced);
    if (!out.ok) {
      const refusal: Refusal = { reason: out.reason, message: out.message };
      return accepts.map((r) => (ours(r) ? { ...r, extra: { ...r.extra, refusal } } : r));
    }
    const { asset, ...offer } = out.value;
    const target = candidates.find((r) => r.asset === asset);
    return accepts.map((r) => (r === target ? { ...r, extra: { ...r.extra, offer: offer satisfies Offer } } : r));
  }
}
