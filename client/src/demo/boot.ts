// What both demo stories start with: the narrator (to stdout, redrawn in place on a
// terminal, unless the caller takes the text) and the embedded local chain on
// 127.0.0.1 with the caller's simnet or manifest and block clocks. No story here.
import { startLocalChain, type RunningChain } from '../localchain/index.js';
import { Narrator } from './narrator.js';
import type { DemoOptions } from './options.js';

export function narratorFor(options: DemoOptions, quiet: boolean): Narrator {
  const write = options.write ?? ((t: string) => void process.stdout.write(t));
  return new Narrator({ quiet, write, inPlace: options.write === undefined && process.stdout.isTTY === true });
}

/** The local chain for a story: `clocks` in ms (0: blocks only when the story mines them). */
export function bootChain(options: DemoOptions, port: number, clocks: { blockMs: number; burnMs: number }): Promise<RunningChain> {
  return startLocalChain({
    host: '127.0.0.1',
    port,
    blockIntervalMs: clocks.blockMs,
    burnBlockIntervalMs: clocks.burnMs,
    ...(options.simnet === undefined ? {} : { simnet: options.simnet }),
    ...(options.manifestPath === undefined ? {} : { manifestPath: options.manifestPath }),
  });
}
