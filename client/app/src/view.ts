// Drawing the page from the desk's snapshot and the account's balances: text, pills,
// the dispute countdown, the transactions table. No decisions here, and no state kept.
import type { AppConfig, TokenInfo } from './config.js';
import type { Snapshot } from './desk.js';
import { formatAmount, shortId } from './format.js';
import type { BenchResult } from './bench.js';

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
};

const PHASES: Record<Snapshot['phase'], string> = {
  'no-channel': 'no channel',
  opening: 'opening…',
  open: 'open',
  closing: 'closing: dispute window',
  closed: 'closed and paid out',
};

export function drawBalances(cfg: AppConfig, balances: Map<string, bigint>): void {
  const dl = $('balances');
  dl.replaceChildren(...cfg.tokens.map((t) => {
    const div = document.createElement('div');
    const dt = document.createElement('dt');
    dt.textContent = t.symbol;
    const dd = document.createElement('dd');
    dd.id = `balance-${t.symbol}`;
    const units = balances.get(t.symbol) ?? 0n;
    dd.dataset['units'] = units.toString();
    dd.textContent = formatAmount(units, t);
    div.append(dt, dd);
    return div;
  }));
}

function figure(id: string, units: bigint, token: TokenInfo | null): void {
  const el = $(id);
  el.dataset['units'] = units.toString();
  el.textContent = token === null ? units.toString() : formatAmount(units, token);
}

export function drawDesk(s: Snapshot | null): void {
  const connected = s !== null;
  $('wallet-card').hidden = !connected;
  $('tx-card').hidden = !connected || s.txs.length === 0;
  if (!connected) return;
  $('account').textContent = s.account;
  $('connect').hidden = true;
  const hasChannel = s.channelId !== null && s.phase !== 'no-channel';
  // a channel to open: none yet, one on its way, or the last one paid out
  $('open-card').hidden = !(s.phase === 'no-channel' || s.phase === 'opening' || s.phase === 'closed');
  $<HTMLButtonElement>('open').disabled = s.phase === 'opening';
  $('channel-card').hidden = !hasChannel;
  $('pay-card').hidden = s.phase !== 'open';
  $('manage-card').hidden = s.phase !== 'open';
  $('bench-card').hidden = s.phase !== 'open';
  if (hasChannel) {
    $('channel-id').textContent = shortId(s.channelId!);
    $('channel-id').title = s.channelId!;
    const phase = $('phase');
    phase.textContent = PHASES[s.phase];
    phase.dataset['phase'] = s.phase;
    phase.className = `pill ${s.phase === 'open' ? 'good' : s.phase === 'closing' ? 'bad' : ''}`;
    const hub = $('hub-status');
    hub.hidden = s.phase !== 'open';
    hub.textContent = s.hubOnline ? 'hub online' : s.replaced ? 'another tab took the hub link — reload to take it back' : 'hub offline — reconnecting';
    hub.dataset['online'] = String(s.hubOnline);
    hub.className = `pill ${s.hubOnline ? 'good' : 'bad'}`;
    figure('own', s.own, s.token);
    figure('hub', s.hub, s.token);
    figure('nonce', s.nonce, null);
  }
  const d = s.dispute;
  $('dispute').hidden = d === null;
  if (d !== null) {
    $('dispute-text').textContent = d.ended
      ? 'The dispute window has passed: the channel can pay out now.'
      : `Dispute window: ${d.left} of ${d.of} Bitcoin blocks left before the payout. Either side can still answer with a newer state; nobody can take more than the newest state gives.`;
    const bar = $<HTMLProgressElement>('dispute-bar');
    bar.max = Number(d.of);
    bar.value = Number(d.of - d.left);
    $<HTMLButtonElement>('resolve').disabled = !d.ended;
  }
  $('txs').replaceChildren(...s.txs.map((t) => {
    const tr = document.createElement('tr');
    tr.dataset['kind'] = t.kind;
    tr.dataset['status'] = t.status;
    const what = document.createElement('td');
    what.textContent = t.kind;
    const id = document.createElement('td');
    const code = document.createElement('code');
    code.textContent = shortId(t.txid.replace(/^0x/, ''));
    code.title = t.txid;
    id.append(code);
    const status = document.createElement('td');
    status.textContent = t.status;
    tr.append(what, id, status);
    return tr;
  }));
}

export function drawBench(r: BenchResult): void {
  const body = $('bench-table').querySelector('tbody')!;
  body.replaceChildren(...r.rows.map((row) => {
    const tr = document.createElement('tr');
    for (const text of [row.what, `${row.payments}`, `${row.ms.toFixed(0)} ms`, `${row.perSecond.toFixed(0)} /s`, `${((row.perSecond / r.bound) * 100).toFixed(0)} % of the bound`]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
}

export function showError(shown: { text: string; code: string } | null): void {
  $('error').hidden = shown === null;
  $('error-text').textContent = shown?.text ?? '';
  $('error-code').textContent = shown === null ? '' : `(${shown.code})`;
  $('error').dataset['code'] = shown?.code ?? '';
}
