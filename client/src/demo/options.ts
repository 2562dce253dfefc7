// The demo's options: what `npm run demo -- …` accepts, parsed once at the edge with a
// schema (STYLE rule 5), and the defaults runDemo fills in. No I/O.
import { parseArgs } from 'node:util';
import type { Simnet } from '@stacks/clarinet-sdk';
import { z } from 'zod';
import { DemoOptionError } from './errors.js';

export interface DemoOptions {
  /** off-chain payments Alice streams to Bob (default 10,000) */
  readonly payments?: number;
  /** no narration and no progress bar */
  readonly quiet?: boolean;
  /** local chain port on 127.0.0.1 (default 0: an ephemeral port) */
  readonly port?: number;
  /** a simnet to run the local chain on (tests pass vitest's); default: boot one from Clarinet.toml */
  readonly simnet?: Simnet;
  /** Clarinet.toml to boot the simnet from (default: the project's) */
  readonly manifestPath?: string;
  /** where narration goes (default: stdout) */
  readonly write?: (text: string) => void;
}

export const DEFAULT_PAYMENTS = 10_000;
export const MAX_PAYMENTS = 1_000_000;

const integer = (name: string, min: number, max: number) =>
  z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be an integer`).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`);

const CliSchema = z.object({
  payments: integer('--payments', 1, MAX_PAYMENTS).default(DEFAULT_PAYMENTS),
  quiet: z.boolean().default(false),
  port: integer('--port', 0, 65_535).default(0),
  library: z.boolean().default(false),
});

export type CliOptions = z.infer<typeof CliSchema>;

/** Parse `--payments N`, `--quiet`, `--port P`, `--library` (a leading `--` from npm is ignored). */
export function parseDemoArgs(argv: readonly string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv.filter((a) => a !== '--'),
      options: { payments: { type: 'string' }, quiet: { type: 'boolean' }, port: { type: 'string' }, library: { type: 'boolean' } },
      strict: true,
    }));
  } catch (cause) {
    throw new DemoOptionError((cause as Error).message);
  }
  const parsed = CliSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DemoOptionError(issue?.message ?? 'bad option', { path: issue?.path.join('.') });
  }
  return parsed.data;
}

/** Options given to runDemo, checked the same way as the command line's. */
export function checkDemoOptions(o: DemoOptions): { payments: number; quiet: boolean; port: number } {
  const parsed = CliSchema.safeParse({ payments: o.payments, quiet: o.quiet, port: o.port });
  if (!parsed.success) throw new DemoOptionError(parsed.error.issues[0]?.message ?? 'bad option');
  return { payments: parsed.data.payments, quiet: parsed.data.quiet, port: parsed.data.port };
}
