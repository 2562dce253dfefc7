// `npm run deploy -- --network devnet|testnet|mainnet [--dry-run] [--fee <µSTX>]
// [--manifest <path>] [--yes-deploy-to-mainnet]`: deploy the contracts of Clarinet.toml
// with BITSTREAM_DEPLOYER_KEY. Only wiring here: the tool is client/src/deploy.
import { runDeployCli } from '../src/deploy/cli.js';

process.exitCode = await runDeployCli(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
