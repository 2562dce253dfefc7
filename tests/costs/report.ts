// Prints the on-chain cost of each operation:
//   vite-node tests/costs/report.ts --success   after tests/contracts/costs.test.ts ran
//     with cost tracking: every operation's success-path cost (STX and sBTC), then each
//     operation next to the reference figures (reference.ts), marking where ours is above;
//   vite-node tests/costs/report.ts             after the whole contract suite ran with
//     cost tracking (costs-reports.json): the worst and median call seen anywhere,
//     refusals included.
import { readFileSync } from 'node:fs';
import type { Measured } from './measured.js';
import { REFERENCES } from './reference.js';

interface Cost { runtime: number; read_count: number }
interface CostEntry { contract_id: string; method: string; cost_result: { total: Cost } }

const fmt = (n: number) => n.toLocaleString('en-US');

function success(): void {
  const rows = JSON.parse(readFileSync('costs-success.json', 'utf8')) as Measured[];
  const get = (label: string, token: 'STX' | 'sBTC') => rows.find((r) => r.label === label && r.token === token);
  const labels = [...new Set(rows.map((r) => r.label))];
  console.log('Success path, STX and sBTC channels (runtime; reads; writes):');
  console.table(labels.map((label) => {
    const s = get(label, 'STX');
    const b = get(label, 'sBTC');
    return {
      operation: label,
      'runtime STX': s ? fmt(s.runtime) : '—', 'runtime sBTC': b ? fmt(b.runtime) : '—',
      'reads STX': s?.readCount ?? '—', 'reads sBTC': b?.readCount ?? '—',
      'writes STX': s?.writeCount ?? '—', 'writes sBTC': b?.writeCount ?? '—',
    };
  }));

  console.log('\nAgainst the reference (issue figure; the reference contract measured here, STX / SIP-010):');
  const above: string[] = [];
  console.table(REFERENCES.flatMap((ref) => ref.ours.map((label) => {
    const s = get(label, 'STX');
    const b = get(label, 'sBTC');
    if (!s || !b) throw new Error(`no measurement for ${label}`);
    const checks: [string, number, number][] = [
      ['runtime STX', s.runtime, ref.stx.runtime], ['runtime SIP-010', b.runtime, ref.sip010.runtime],
      ['reads STX', s.readCount, ref.stx.reads], ['reads SIP-010', b.readCount, ref.sip010.reads],
    ];
    if (ref.issue !== undefined) checks.push(['runtime vs issue', s.runtime, ref.issue]);
    for (const [what, ours, theirs] of checks) if (ours > theirs) above.push(`${label}: ${what} ${fmt(ours)} > ${fmt(theirs)}`);
    return {
      operation: ref.operation, ours: label, theirs: ref.theirs,
      'runtime ours (STX / sBTC)': `${fmt(s.runtime)} / ${fmt(b.runtime)}`,
      'runtime theirs': `${fmt(ref.stx.runtime)} / ${fmt(ref.sip010.runtime)}`,
      issue: ref.issue === undefined ? '—' : fmt(ref.issue),
      'reads ours': `${s.readCount} / ${b.readCount}`,
      'reads theirs': `${ref.stx.reads} / ${ref.sip010.reads}`,
    };
  })));
  console.log(above.length === 0 ? 'At or below the reference everywhere.' : `Above the reference:\n  ${above.join('\n  ')}`);
}

function suite(): void {
  const entries = (JSON.parse(readFileSync('costs-reports.json', 'utf8')) as CostEntry[])
    .filter((e) => /\.(bitstream|secret-registry)$/.test(e.contract_id));
  const byFn = new Map<string, Cost[]>();
  for (const e of entries) {
    const fn = `${e.contract_id.split('.')[1]}.${e.method}`;
    byFn.set(fn, [...(byFn.get(fn) ?? []), e.cost_result.total]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log('Every call in the contract suites (successes and refusals):');
  console.table([...byFn.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([fn, costs]) => {
    const runtimes = costs.map((c) => c.runtime);
    return { function: fn, calls: costs.length, 'runtime max': fmt(Math.max(...runtimes)), 'runtime median': fmt(median(runtimes)), 'reads max': Math.max(...costs.map((c) => c.read_count)) };
  }));
}

if (process.argv.includes('--success')) success();
else suite();
