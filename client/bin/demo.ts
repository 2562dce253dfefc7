// `npm run demo`: BitStream's story told end to end, offline, with real signed Stacks
// transactions against the embedded local chain. Flags: --payments N (default 10,000),
// --quiet, --port P (default: an ephemeral 127.0.0.1 port). Exits 0 only when every
// step's outcome is the protocol's. Only wiring here: the story is client/src/demo.
import { BitStreamError } from '../src/errors/errors.js';
import { parseDemoArgs, runDemo } from '../src/demo/index.js';

let code = 1;
try {
  const options = parseDemoArgs(process.argv.slice(2));
  const outcome = await runDemo(options);
  if (options.quiet) {
    console.log(outcome.ok ? `demo ok in ${(outcome.totalMs / 1000).toFixed(1)} s` : `demo FAILED in "${outcome.failure?.step}": ${outcome.failure?.code}: ${outcome.failure?.message}`);
  }
  code = outcome.ok ? 0 : 1;
} catch (e) {
  console.error(e instanceof BitStreamError ? `${e.code}: ${e.message}` : e);
  code = 2;
}
process.exit(code);
