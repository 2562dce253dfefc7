// Benchmark (pg): payments a second from the dApp page to its hub, in Chromium with the
// noble backend, the states in IndexedDB and the hub's in SQLite (fsync), over the
// browser's WebSocket: one at a time (each waits for both signatures) and batched (all
// queued at once), next to noble's bound measured in the same page (one signature made
// and one verified per state). The page measures itself (client/app/src/bench.ts); this
// starts what `npm run app` starts, opens a channel through the test wallet and asks.
// Run: npx vite-node client/bench/page.ts [--payments N]. Needs /usr/bin/chromium. Asserts nothing.
import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { launchApp } from '../app/launch.js';
import type { BenchResult } from '../app/src/bench-result.js';
import { DEVNET_ACCOUNTS } from '../src/devnet/accounts.js';
import { HAVE_CHROMIUM, launchChromium } from '../../tests/browser/chromium.js';
import { TestWallet } from '../../tests/browser/fixtures/test-wallet.js';

const { values } = parseArgs({ args: process.argv.slice(2).filter((a) => a !== '--'), options: { payments: { type: 'string' } } });
const N = Number(values.payments ?? 500);

if (!HAVE_CHROMIUM) {
  console.log('page benchmark: skipped (no /usr/bin/chromium; apt-get install chromium)');
  process.exit(0);
}
const consoleLog = console.log;
console.log = () => undefined; // the simnet's contract prints
const app = await launchApp({ port: 0, chainPort: 0, blockMs: 100, burnMs: 1_000, minify: true });
const browser = await launchChromium();
try {
  const context = await browser.newContext();
  const wallet = new TestWallet(DEVNET_ACCOUNTS.wallet_1, app.chainUrl);
  await wallet.install(context);
  const tab = await context.newPage();
  await tab.goto(app.pageUrl);
  await tab.waitForSelector('#progress:has-text("connect your wallet")');
  await tab.click('#connect');
  await tab.waitForSelector('#open-card:not([hidden])');
  await tab.fill('#open-amount', '100');
  await tab.click('#open');
  await tab.waitForSelector('#phase[data-phase="open"]', { timeout: 60_000 });
  // warm up: the JIT, IndexedDB's first transactions, the hub's statements
  await tab.fill('#burst-count', '50');
  await tab.click('#burst');
  await tab.waitForSelector('#progress:has-text("paid 50 of 50")', { timeout: 60_000 });
  await tab.click('#bench-card summary');
  await tab.fill('#bench-count', String(N));
  await tab.click('#bench');
  await tab.waitForSelector('#progress:has-text("measured")', { timeout: 300_000 });
  const r = (await tab.evaluate(() => (globalThis as unknown as { bitstreamApp: { bench(): BenchResult } }).bitstreamApp.bench()))!;
  console.log = consoleLog;
  const version = browser.version();
  console.log(`page benchmark (pg): Chromium ${version}, noble, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const row of r.rows) {
    console.log(`  ${row.what.padEnd(46)} ${String(row.payments).padStart(6)} in ${row.ms.toFixed(0).padStart(6)} ms  ${row.perSecond.toFixed(0).padStart(7)}/s  ${((row.perSecond / r.bound) * 100).toFixed(0).padStart(4)} % of the bound`);
  }
  console.log(`  batched: ${N} payments in ${r.batchedStates} states (${(N / Math.max(1, r.batchedStates)).toFixed(1)} payments a state)`);
} finally {
  console.log = consoleLog;
  await browser.close();
  await app.stop();
}
