// The admin API's bearer token: BITSTREAM_API_TOKEN if set, else a random token the node
// keeps in <dataDir>/api-token (mode 600), so the CLI on the same machine finds it and a
// restart keeps it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeConfig } from './config.js';

export const tokenPath = (dataDir: string) => join(dataDir, 'api-token');

export function apiToken(config: NodeConfig): string {
  if (config.api.token !== null) return config.api.token;
  const path = tokenPath(config.dataDir);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}
