// Prometheus metrics of one node (prom-client, its own registry so two nodes in one
// process never mix): payments sent and received, payment latency, channels by phase,
// chain lag (how long since the chain was last read, and the last read's failure),
// what the chain loop read (full reads, channels, event pages),
// peers connected, chain transactions by kind and outcome.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { NodeEvents } from './events.js';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly paymentsSent = new Counter({ name: 'bitstream_payments_sent_total', help: 'payments this node sent', registers: [this.registry] });
  readonly paymentsReceived = new Counter({ name: 'bitstream_payments_received_total', help: 'payments this node received', registers: [this.registry] });
  readonly paymentSeconds = new Histogram({
    name: 'bitstream_payment_seconds', help: 'time from a pay request to its final state',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry],
  });
  readonly transactions = new Counter({ name: 'bitstream_chain_transactions_total', help: 'chain transactions by kind and status', labelNames: ['kind', 'status'], registers: [this.registry] });

  constructor(events: NodeEvents, read: { channelsByPhase: () => Record<string, number>; chainLagSeconds: () => number; peersConnected: () => number; chainReads: () => Readonly<Record<string, number>> }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'bitstream_process_' });
    new Gauge({
      name: 'bitstream_channels', help: 'channels by phase', labelNames: ['phase'], registers: [this.registry],
      collect() {
        this.reset();
        for (const [phase, n] of Object.entries(read.channelsByPhase())) this.set({ phase }, n);
      },
    });
    new Gauge({ name: 'bitstream_chain_lag_seconds', help: 'seconds since the chain was last read successfully', registers: [this.registry], collect() { this.set(read.chainLagSeconds()); } });
    new Gauge({
      name: 'bitstream_chain_reads', help: 'what the chain loop read from the Stacks API: full reads, channels read, event pages', labelNames: ['kind'], registers: [this.registry],
      collect() {
        for (const [kind, n] of Object.entries(read.chainReads())) this.set({ kind }, n);
      },
    });
    new Gauge({ name: 'bitstream_peers_connected', help: 'peers with a live connection', registers: [this.registry], collect() { this.set(read.peersConnected()); } });
    events.on((e) => {
      if (e.type === 'payment.sent') this.paymentsSent.inc();
      else if (e.type === 'payment.received') this.paymentsReceived.inc();
      else if (e.type === 'chain.tx' && e.status !== 'pending') this.transactions.inc({ kind: e.kind, status: e.status });
    });
  }
}
