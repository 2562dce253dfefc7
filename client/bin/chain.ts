// `npm run chain`: run the local chain (the project's contracts on the clarinet-sdk
// simnet behind a Stacks node/API look-alike) until interrupted. Settings by flag or
// environment, flag first:
//   --host            BITSTREAM_CHAIN_HOST       default 127.0.0.1
//   --port            BITSTREAM_CHAIN_PORT       default 3999
//   --block-ms        BITSTREAM_CHAIN_BLOCK_MS   mine waiting transactions every N ms (default 1000, 0 = on demand)
//   --burn-ms         BITSTREAM_CHAIN_BURN_MS    one burn block every N ms (default 2000, 0 = on demand)
//   --manifest        BITSTREAM_CHAIN_MANIFEST   default ./Clarinet.toml
//   --observer URL    BITSTREAM_CHAIN_OBSERVERS  event observers (repeat the flag, or comma-separate): each gets
//                                                POST /new_block and /new_burn_block as from a stacks-node
// Only wiring here: the server is client/src/localchain.
import { parseArgs } from 'node:util';
import { startLocalChain } from '../src/localchain/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    'block-ms': { type: 'string' },
    'burn-ms': { type: 'string' },
    manifest: { type: 'string' },
    observer: { type: 'string', multiple: true },
  },
});

function integer(flag: string | undefined, env: string, fallback: number): number {
  const raw = flag ?? process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${env} / flag: ${raw} is not a non-negative integer`);
  return n;
}

const running = await startLocalChain({
  host: values.host ?? process.env['BITSTREAM_CHAIN_HOST'] ?? '127.0.0.1',
  port: integer(values.port, 'BITSTREAM_CHAIN_PORT', 3999),
  blockIntervalMs: integer(values['block-ms'], 'BITSTREAM_CHAIN_BLOCK_MS', 1000),
  burnBlockIntervalMs: integer(values['burn-ms'], 'BITSTREAM_CHAIN_BURN_MS', 2000),
  manifestPath: values.manifest ?? process.env['BITSTREAM_CHAIN_MANIFEST'] ?? './Clarinet.toml',
  observers: values.observer ?? (process.env['BITSTREAM_CHAIN_OBSERVERS'] ?? '').split(',').filter((u) => u !== ''),
  log: (line) => console.log(`[chain] ${line}`),
});

console.log(`[chain] BitStream local chain at ${running.url} (testnet chain id 0x80000000)`);
for (const [name, address] of running.chain.simnet.getAccounts()) console.log(`[chain]   ${name.padEnd(10)} ${address}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void running.stop().then(() => process.exit(0));
  });
}
