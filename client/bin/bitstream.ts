// `bitstream …` (npm run bitstream -- …, or the package bin): only wiring; the commands
// are client/src/cli.
import { runCli } from '../src/cli/program.js';

const code = await runCli(process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')), {
  out: (t) => void process.stdout.write(`${t}\n`),
  err: (t) => void process.stderr.write(`${t}\n`),
  env: process.env,
});
// node start returns once the node stopped; everything else is one request
process.exit(code);
