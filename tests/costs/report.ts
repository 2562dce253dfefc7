// Prints the on-chain cost of each public function from the clarinet-sdk's
// costs-reports.json (written by `vitest run -- --costs`): the worst and the median
// call seen in the contract suites, per contract function.
import { readFileSync } from 'node:fs';

interface CostEntry {
  contract_id: string;
  method: string;
  cost_result: { total: { runtime: number; read_count: number; read_length: number; write_count: number; write_length: number } };
}

const entries = JSON.parse(readFileSync(process.argv[2] ?? 'costs-reports.json', 'utf8')) as CostEntry[];
const byFn = new Map<string, CostEntry['cost_result']['total'][]>();
for (const e of entries) {
  const contract = e.contract_id.split('.')[1]!;
  if (contract === 'test-token' || contract === 'sbtc-token' || contract === 'bitstream-2') continue;
  const key = `${contract}.${e.method}`;
  byFn.set(key, [...(byFn.get(key) ?? []), e.cost_result.total]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = [...byFn.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([fn, costs]) => {
  const worst = costs.reduce((m, c) => (c.runtime > m.runtime ? c : m));
  return {
    function: fn,
    calls: costs.length,
    'runtime max': worst.runtime,
    'runtime median': median(costs.map((c) => c.runtime)),
    'reads (max)': worst.read_count,
    'read bytes': worst.read_length,
    'writes (max)': worst.write_count,
    'write bytes': worst.write_length,
  };
});
console.table(rows);
