// The CLI refuses arguments that do not go together before it asks any node: an
// invoice given with an amount (it carries its own), a channel payment without one.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../client/src/cli/program.js';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env: {} });
  return { code, out, err };
}

describe('bitstream pay', () => {
  it('refuses an amount with an invoice, and a channel payment without one: CLI_USAGE, exit 1, no request sent', async () => {
    // port 9: nothing listens; a request would fail with CLI_NODE_UNREACHABLE instead
    const withAmount = await run(['--api', 'http://127.0.0.1:9', 'pay', 'bitstream1qqqqqqqqqq', '5']);
    expect(withAmount).toMatchObject({ code: 1 });
    expect(withAmount.err).toMatch(/error CLI_USAGE: an invoice carries its amount/);
    const noAmount = await run(['--api', 'http://127.0.0.1:9', 'pay', 'ab'.repeat(32)]);
    expect(noAmount.code).toBe(1);
    expect(noAmount.err).toMatch(/error CLI_USAGE: give the amount/);
    const json = await run(['--api', 'http://127.0.0.1:9', '--json', 'pay', 'ab'.repeat(32)]);
    expect(JSON.parse(json.out)).toMatchObject({ error: { code: 'CLI_USAGE' } });
  });
});
