// `npm run app`: the dApp on this machine, offline — the local chain, a hub node and the
// page (client/app/launch.ts), until Ctrl-C. Flags: --port P (the page, default 5173),
// --chain-port P (default 3999), --no-minify. Prints where the page is and how to point
// a wallet at the local chain. Only wiring here.
import { parseArgs } from 'node:util';
import { launchApp, type RunningApp } from '../app/launch.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { port: { type: 'string' }, 'chain-port': { type: 'string' }, 'no-minify': { type: 'boolean' } },
});

function port(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`--${flag}: ${raw} is not a port (0–65535)`);
    process.exit(2);
  }
  return n;
}

const consoleLog = console.log;
const say = (line: string) => process.stdout.write(`${line}\n`);
// the simnet prints every contract print with console.log; the page shows what happened
console.log = () => undefined;
let app: RunningApp;
try {
  app = await launchApp({
    port: port(values.port, 'port', 5173), chainPort: port(values['chain-port'], 'chain-port', 3999), minify: values['no-minify'] !== true,
    onProgress: (what) => say(`· ${what}`),
  });
} catch (e) {
  console.error(`could not start the app: ${(e as Error).message}`);
  process.exit(1);
}
console.log = consoleLog;
say('');
say(`BitStream dApp   ${app.pageUrl}`);
say(`local chain      ${app.chainUrl}   (devnet, chain id 0x80000000)`);
say(`hub node         ${app.hub.principal}   peers at ${app.hub.peerUrl}`);
say('');
say('Point your wallet at the local chain (Leather: Settings › Network › Add a network,');
say(`Stacks API URL ${app.chainUrl}, "devnet"), then import one of these accounts by its`);
say('secret key phrase from settings/Devnet.toml (they hold STX and 0.5 sBTC each):');
for (const a of app.accounts) say(`  ${a.name.padEnd(9)} ${a.address}`);
say('');
say('Ctrl-C stops the chain, the hub and the page.');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    void app.stop().then(() => process.exit(0));
  });
}
