// The BitStream scheme for x402's client (x402Client.register(network, scheme)). The
// paying state was proposed and signed by the Payer's fetch on the unpaid request; the
// payload is the payer's last signature on the offer the 402 carries.
import type { PaymentPayloadContext, PaymentPayloadResult, PaymentRequirements, SchemeNetworkClient } from '@x402/core/types';
import { echoPaymentId } from './forms.js';
import { PAYMENT_IDENTIFIER, SCHEME } from './names.js';
import type { Payer } from './payer.js';

export class BitStreamClientScheme implements SchemeNetworkClient {
  readonly scheme = SCHEME;

  constructor(private readonly payer: Payer) {}

  createPaymentPayload(x402Version: number, requirements: PaymentRequirements, context?: PaymentPayloadContext): Promise<PaymentPayloadResult> {
    try {
      const payload = this.payer.payloadFor(requirements);
      // a route that declares payment-identifier gets the payment id the state binds, so
      // a retry of this paid request is known for what it is and never charged twice
      const extension = echoPaymentId(context?.extensions?.[PAYMENT_IDENTIFIER], payload.paymentId);
      if (extension === null) return Promise.resolve({ x402Version, payload: { ...payload } });
      return Promise.resolve({ x402Version, payload: { ...payload }, extensions: { [PAYMENT_IDENTIFIER]: extension } });
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
