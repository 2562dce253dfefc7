// Where the local chain finds the contracts it runs by default: the Clarinet.toml that
// ships with this code (the repository's, or the installed package's), found by walking
// up from this module, so `startLocalChain()` works from any working directory.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalChainError } from './errors.js';

export function packagedManifest(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'Clarinet.toml');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new LocalChainError('LOCALCHAIN_NOT_FOUND', 'no Clarinet.toml ships with this copy of bitstream-channels: pass manifestPath');
    dir = up;
  }
}
