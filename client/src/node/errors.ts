// Errors of the node service: what the node refuses to do (an unknown channel or
// payment, a peer that is not connected, an amount it does not hold), a configuration or
// key file it cannot use, and chain calls that failed. Codes are stable API: the HTTP
// API and the CLI show them as they are.
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

export const NodeCode = {
  Config: 'NODE_CONFIG',
  KeyFile: 'NODE_KEY_FILE',
  BadPassphrase: 'NODE_KEY_PASSPHRASE',
  MainnetRefused: 'NODE_MAINNET_REFUSED',
  UnknownChannel: 'NODE_UNKNOWN_CHANNEL',
  UnknownPayment: 'NODE_UNKNOWN_PAYMENT',
  PeerNotConnected: 'NODE_PEER_NOT_CONNECTED',
  OpenRefused: 'NODE_OPEN_REFUSED',
  OpenMismatch: 'NODE_OPEN_MISMATCH',
  ChannelState: 'NODE_CHANNEL_STATE',
  Chain: 'NODE_CHAIN',
  ChainTimeout: 'NODE_CHAIN_TIMEOUT',
  BadRequest: 'NODE_BAD_REQUEST',
  /** an invoice whose payment hash this node already paid or is paying */
  InvoicePaid: 'NODE_INVOICE_PAID',
  /** no channel (direct, or through a hub the invoice names) can carry the payment */
  NoRoute: 'NODE_NO_ROUTE',
  UnknownInvoice: 'NODE_UNKNOWN_INVOICE',
  Unauthorized: 'NODE_UNAUTHORIZED',
  /** a channel restored from a backup whose state the peer has not yet shown to be the newest */
  UnprovenState: 'NODE_UNPROVEN_STATE',
} as const;
export type NodeCode = (typeof NodeCode)[keyof typeof NodeCode];

export class NodeError extends BitStreamError {
  constructor(code: NodeCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
