/// <reference types="vitest" />
import { defineConfig } from 'vitest/config';
import { vitestSetupFilePath, getClarinetVitestsArgv } from '@stacks/clarinet-sdk/vitest';

// vitest-environment-clarinet boots one simnet per test file from Clarinet.toml and
// exposes it as the global `simnet`; `vitest run -- --costs` adds the cost report.
export default defineConfig({
  test: {
    environment: 'clarinet',
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    // property-seed: CI replays fixed fast-check seeds (local runs explore)
    setupFiles: [vitestSetupFilePath, './tests/setup/property-seed.ts'],
    // node processes run the built client/dist (built here when a source changed)
    globalSetup: ['./tests/setup/build-dist.ts'],
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    // The simnet logs every contract print event (e.g. `{ event: "fund-channel", … }
    // (bitstream:617)`): thousands of lines that bury the results. The suites assert the
    // events themselves, so drop those lines and keep everything the tests log.
    onConsoleLog: (log) => (/\([a-z][a-z0-9-]*:\d+\)\s*$/.test(log) ? false : undefined),
    hookTimeout: 120_000,
    environmentOptions: {
      clarinet: { ...getClarinetVitestsArgv() },
    },
  },
});
