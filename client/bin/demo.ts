// `npm run demo`: BitStream's story told end to end, offline, with real signed Stacks
// transactions against the embedded local chain — by default between three node
// processes driven through their HTTP APIs (client/src/demo/nodes); with --library,
// between channels of the library in this process, including the multi-hop payment and
// the swap. Flags: --payments N (default 10,000), --quiet, --port P, --library. Exits 0
// only when every step's outcome is the protocol's. Only wiring here.
import { BitStreamError } from '../src/errors/errors.js';
import { parseDemoArgs, runDemo } from '../src/demo/index.js';
import { runNodeDemo } from '../src/demo/nodes/index.js';

let code = 1;
try {
  const options = parseDemoArgs(process.argv.slice(2));
  const outcome = options.library ? await runDemo(options) : await runNodeDemo(options);
  if (options.quiet) {
    console.log(outcome.ok ? `demo ok in ${(outcome.totalMs / 1000).toFixed(1)} s` : `demo FAILED in "${outcome.failure?.step}": ${outcome.failure?.code}: ${outcome.failure?.message}`);
  }
  code = outcome.ok ? 0 : 1;
} catch (e) {
  console.error(e instanceof BitStreamError ? `${e.code}: ${e.message}` : e);
  code = 2;
}
process.exit(code);
