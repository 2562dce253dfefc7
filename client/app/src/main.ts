// The page's wiring: config, the wallet's connect, the desk, the forms, the poll that
// keeps balances, the channel and the transactions fresh, and the chart. Every action
// goes through `act`, which shows progress, turns any error into words (messages.ts)
// and never leaves a button stuck.
import { ChainView } from './chain.js';
import { loadConfig, type AppConfig, type TokenInfo } from './config.js';
import { Desk } from './desk.js';
import { parseAmount } from './format.js';
import { AppError, explain } from './messages.js';
import { Meter } from './meter.js';
import { PaymentChart } from './chart.js';
import { measure, type BenchResult } from './bench.js';
import { $, drawBalances, drawBench, drawDesk, showError } from './view.js';
import { connectWallet } from './wallet.js';

const chart = new PaymentChart();
let cfg: AppConfig;
let chain: ChainView;
let desk: Desk | null = null;
let balances = new Map<string, bigint>();
let busy = false;
let lastBench: BenchResult | null = null;

const progress = (what: string) => ($('progress').textContent = what);

function draw(): void {
  drawDesk(desk?.snapshot() ?? null);
  for (const b of document.querySelectorAll<HTMLButtonElement>('main button')) {
    if (b.id !== 'resolve' && b.id !== 'meter') b.disabled = busy;
  }
  chart.draw($<SVGSVGElement & HTMLElement>('chart'));
  $('chart-caption').textContent = `Paid in each second of the last minute · ${chart.rate().toFixed(1)} payments/s`;
}

/** Run one thing a person asked for: progress while it runs, its error in words, the page redrawn. */
async function act(what: string, run: () => Promise<unknown>): Promise<void> {
  if (busy) return;
  busy = true;
  showError(null);
  progress(what);
  draw();
  try {
    await run();
  } catch (e) {
    showError(explain(e));
    progress('');
  } finally {
    busy = false;
    draw();
  }
}

function tokenOf(contract: string): TokenInfo {
  return cfg.tokens.find((t) => (t.contract ?? 'STX') === contract) ?? cfg.tokens[0]!;
}

function amount(inputId: string, token: TokenInfo): bigint {
  const v = parseAmount($<HTMLInputElement>(inputId).value, token);
  if (v === null) throw new AppError('APP_BAD_AMOUNT', `"${$<HTMLInputElement>(inputId).value}" is not an amount of ${token.symbol}`);
  return v;
}

const channelToken = () => desk?.snapshot().token ?? cfg.tokens[0]!;

async function poll(): Promise<void> {
  if (desk !== null) {
    try {
      balances = await chain.balances(desk.account);
      drawBalances(cfg, balances);
      // also while an action runs: the channel waits on the chain's tip for a deposit's depth
      await desk.refresh();
    } catch {
      // the chain API is away for a moment: the next poll tries again
    }
  }
  draw();
}

const meter = new Meter({
  pay: (a, id) => desk!.pay(a, id),
  onPaid: (a) => chart.add(a),
  onStop: (reason) => {
    $('meter').textContent = 'Start streaming';
    if (reason !== null) showError(explain(reason));
  },
});

function wire(): void {
  $('connect').addEventListener('click', () => void act('asking the wallet for your account', async () => {
    const account = await connectWallet(cfg.network);
    desk = new Desk(cfg, chain, account, progress);
    balances = await chain.balances(account);
    drawBalances(cfg, balances);
    if (await desk.resume()) return;
    progress('connected: open a channel with the hub');
  }));

  $('open-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = tokenOf($<HTMLSelectElement>('open-token').value);
    void act('opening a channel', async () => desk!.open(token, amount('open-amount', token), balances.get(token.symbol) ?? 0n));
  });

  $('meter-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (meter.running) return meter.stop();
    try {
      showError(null);
      meter.start(amount('rate', channelToken()));
      $('meter').textContent = 'Stop streaming';
    } catch (e) {
      showError(explain(e));
    }
  });

  $('burst-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = Number($<HTMLInputElement>('burst-count').value);
    void act(`paying ${n} times`, async () => {
      if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new AppError('APP_BAD_AMOUNT', 'the number of payments is a whole number from 1 to 100000');
      const each = amount('burst-amount', channelToken());
      const run = Date.now().toString(36);
      for (let i = 1; i <= n; i++) {
        await desk!.pay(each, `burst-${run}-${i}`);
        chart.add(each);
        if (i % 10 === 0 || i === n) (progress(`paid ${i} of ${n}`), draw());
      }
    });
  });

  $('deposit-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = channelToken();
    void act('depositing', async () => (await desk!.deposit(amount('deposit-amount', t), balances.get(t.symbol) ?? 0n), progress('deposit landed')));
  });
  $('withdraw-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void act('withdrawing', async () => (await desk!.withdraw(amount('withdraw-amount', channelToken())), progress('withdrawal landed')));
  });
  $('close').addEventListener('click', () => void act('closing with the hub', async () => (meter.stop(), await desk!.closeCooperatively(), progress('closed: both sides are paid'))));
  $('force-close').addEventListener('click', () => {
    if (!confirm('Force close without the hub? Your newest state goes on-chain and pays out after the dispute window.')) return;
    void act('force closing', async () => (meter.stop(), await desk!.forceClose(), progress('the dispute window is running')));
  });
  $('resolve').addEventListener('click', () => void act('paying out', async () => (await desk!.resolve(), progress('paid out'))));

  $('bench-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = Number($<HTMLInputElement>('bench-count').value);
    void act(`measuring ${n} payments each way`, async () => {
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new AppError('APP_BAD_AMOUNT', 'the number of payments is a whole number from 1 to 10000');
      lastBench = await measure(n, (a, id) => desk!.pay(a, id), () => desk!.snapshot().nonce, 1n);
      drawBench(lastBench);
      progress(`measured: ${lastBench.rows.map((r) => `${r.what} ${r.perSecond.toFixed(0)}/s`).join(', ')}`);
    });
  });
}

async function boot(): Promise<void> {
  try {
    cfg = await loadConfig();
  } catch (e) {
    showError({ text: `The page has no usable configuration: ${(e as Error).message}`, code: 'APP_CONFIG' });
    progress('');
    return;
  }
  chain = new ChainView(cfg);
  $('network').textContent = `${cfg.network} · hub ${cfg.hubPrincipal.slice(0, 6)}…`;
  $('open-token').replaceChildren(...cfg.tokens.map((t) => Object.assign(document.createElement('option'), { value: t.contract ?? 'STX', textContent: t.symbol })));
  wire();
  progress('connect your wallet to start');
  setInterval(() => void poll(), 1_000);
  setInterval(draw, 250);
}

// for the tests and the curious: what the page shows, as data
Object.assign(globalThis, { bitstreamApp: { snapshot: () => desk?.snapshot() ?? null, bench: () => lastBench } });
void boot();
