// The payer side of the hub benchmarks (payments.ts (b), node-ws.ts (w)): every channel
// pays 1 in a loop, one payment outstanding each, while a measuring window of `seconds`
// counts the payments that completed in it, their latencies and this process's CPU.
// `onWindow` runs as the window opens (to tell the hub to start its own CPU count).
import type { Channel } from '../src/channel/channel.js';
import { quantile } from './quantile.js';

export interface WindowResult {
  readonly count: number;
  readonly secs: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU seconds this process used in the window */
  readonly cpu: number;
  /** resolves once every loop has stopped (bounded by 1 s) */
  readonly stopped: Promise<unknown>;
}

export async function payWindow(channels: readonly Channel[], o: { warmUpMs: number; seconds: number; onWindow?: () => void }): Promise<WindowResult> {
  let running = true;
  let measuring = false;
  let count = 0;
  const lat: number[] = [];
  const loops = channels.map(async (c) => {
    while (running) {
      const t = performance.now();
      await c.pay(1n);
      if (measuring) {
        count++;
        lat.push(performance.now() - t);
      }
    }
  });
  await new Promise((r) => setTimeout(r, o.warmUpMs));
  measuring = true;
  o.onWindow?.();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  measuring = false;
  const secs = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu0);
  running = false;
  const stopped = Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 1_000))]);
  return { count, secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), cpu: (used.user + used.system) / 1e6, stopped };
}
