// The BitStream scheme for x402's client (x402Client.register(network, scheme)). The
// paying state was proposed and signed by the Payer's fetch on the unpaid request; the
// payload is the payer's last signature on the offer the 402 carries.
import type { PaymentPayloadResult, PaymentRequirements, SchemeNetworkClient } from '@x402/core/types';
import { SCHEME } from './names.js';
import type { Payer } from './payer.js';

export class BitStreamClientScheme implements SchemeNetworkClient {
  readonly scheme = SCHEME;

  constructor(private readonly payer: Payer) {}

  createPaymentPayload(x402Version: number, requirements: PaymentRequirements): Promise<PaymentPayloadResult> {
    try {
      return Promise.resolve({ x402Version, payload: { ...this.payer.payloadFor(requirements) } });
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
