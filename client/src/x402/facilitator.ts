// x402's facilitator, local: a channel payment settles on this server's own channels
// (PayeeDesk), with no chain call and no remote service per request.
import type { FacilitatorClient } from '@x402/core/server';
import type { PaymentPayload, PaymentRequirements, SettleResponse, SupportedResponse, VerifyResponse } from '@x402/core/types';
import { RefusalReason } from './errors.js';
import { requestSchema, retriesOf, retryIdOf } from './forms.js';
import { SCHEME, type StacksNetwork } from './names.js';
import type { Desk, Priced } from './payee-desk.js';

export class ChannelFacilitator implements FacilitatorClient {
  constructor(
    private readonly desk: Desk,
    private readonly network: StacksNetwork,
  ) {}

  getSupported(): Promise<SupportedResponse> {
    return Promise.resolve({ kinds: [{ x402Version: 2, scheme: SCHEME, network: this.network }], extensions: [], signers: {} });
  }

  async verify(payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResponse> {
    const priced = pricedOf(requirements, payload);
    if (priced === null) return { isValid: false, invalidReason: RefusalReason.Malformed, invalidMessage: 'the requirements name no request' };
    const out = await this.desk.check(payload.payload, priced);
    return out.ok ? { isValid: true } : { isValid: false, invalidReason: out.reason, invalidMessage: out.message };
  }

  async settle(payload: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResponse> {
    const failed = (errorReason: string, errorMessage: string): SettleResponse => ({ success: false, errorReason, errorMessage, transaction: '', network: this.network });
    // after the handler (metered) or on cancel the amount is what is charged, and may be 0
    const charging = payload.payload['phase'] === 'after-handler' || payload.payload['phase'] === 'cancel';
    const found = pricedOf(requirements, payload, charging);
    if (found === null) return failed(RefusalReason.Malformed, 'the requirements name no request');
    // a route paid up front gets the next request's state offered with this receipt (PROTOCOL §11)
    const priced = !charging && requirements.extra['paymentFlow'] !== 'escrow' ? { ...found, next: true } : found;
    const out = await this.desk.settle(payload.payload, priced);
    if (!out.ok) return failed(out.reason, out.message);
    const { payer, ...receipt } = out.value;
    // x402's transaction names what settled: here a channel state, not an on-chain txid
    return { success: true, transaction: `${receipt.channelId}:${receipt.nonce}`, network: this.network, payer, amount: requirements.amount, extra: receipt };
  }
}

/**
 * The request and price the server built these requirements for (its own enrichment),
 * and the retry the payload asks for when the route serves them (payment-identifier).
 */
function pricedOf(r: PaymentRequirements, payload: PaymentPayload, zeroAllowed = false): Priced | null {
  const req = requestSchema.safeParse(r.extra['request']);
  if (!req.success || !(zeroAllowed ? /^(0|[1-9][0-9]{0,38})$/ : /^[1-9][0-9]{0,38}$/).test(r.amount)) return null;
  const priced: Priced = { method: req.data.method, path: req.data.path, amount: BigInt(r.amount), asset: r.asset };
  const limit = retriesOf(r.extra);
  const id = retryIdOf(payload.extensions);
  return limit > 0 && id !== null ? { ...priced, retry: { id, limit } } : priced;
}
