// Prints the on-chain cost of each public function from the clarinet-sdk's
// costs-reports.json (written by `vitest run -- --costs`), per contract function:
//   vite-node tests/costs/report.ts --success   after running only tests/contracts/costs.test.ts,
//     whose calls all succeed (STX and sBTC channels): the cost of each operation;
//   vite-node tests/costs/report.ts             after the whole contract suite: the worst
//     and median call seen anywhere (refusals included).
import { readFileSync } from 'node:fs';

interface Cost { runtime: number; read_count: number; read_length: number; write_count: number; write_length: number }
interface CostEntry { contract_id: string; method: string; cost_result: { total: Cost } }

const successOnly = process.argv.includes('--success');
const entries = (JSON.parse(readFileSync('costs-reports.json', 'utf8')) as CostEntry[])
  .filter((e) => /\.(bitstream|secret-registry)$/.test(e.contract_id))
  .filter((e) => !(successOnly && /^(get|is)-/.test(e.method)));

const byFn = new Map<string, Cost[]>();
for (const e of entries) {
  const fn = `${e.contract_id.split('.')[1]}.${e.method}`;
  byFn.set(fn, [...(byFn.get(fn) ?? []), e.cost_result.total]);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);
const rows = [...byFn.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([fn, costs]) => {
  const runtimes = costs.map((c) => c.runtime);
  return successOnly
    ? {
        function: fn,
        'runtime (min)': Math.min(...runtimes),
        'runtime (max)': max(runtimes),
        reads: max(costs.map((c) => c.read_count)),
        'read bytes': max(costs.map((c) => c.read_length)),
        writes: max(costs.map((c) => c.write_count)),
        'write bytes': max(costs.map((c) => c.write_length)),
      }
    : { function: fn, calls: costs.length, 'runtime max': max(runtimes), 'runtime median': median(runtimes) };
});
console.log(successOnly ? 'Success path, STX and sBTC channels (min = STX, max = sBTC where a token moves):' : 'Every call in the contract suites (successes and refusals):');
console.table(rows);
