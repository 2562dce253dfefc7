// Types for the parts of @stacks/rendezvous 0.12 (CommonJS, ships no .d.ts) that the
// runner drives directly: building the concatenated simnet, the invariant and property
// loops, and the dialer error class the invariant loop re-throws. Only what run.ts and
// steer.ts use; the shapes follow node_modules/@stacks/rendezvous/dist/*.js.
declare module '@stacks/rendezvous/dist/citizen.js' {
  import type { Simnet } from '@stacks/clarinet-sdk';
  export function issueFirstClassCitizenship(
    manifestDir: string,
    manifestPath: string,
    remoteDataSettings: { enabled: boolean },
    sutContractName: string,
  ): Promise<Simnet>;
}

declare module '@stacks/rendezvous/dist/shared.js' {
  import type { Simnet } from '@stacks/clarinet-sdk';
  /** A contract function's interface, as simnet.getContractsInterfaces() gives it. */
  export interface RvFunction {
    name: string;
    access: 'public' | 'private' | 'read_only';
    args: { name: string; type: unknown }[];
    outputs: { type: unknown };
  }
  export function getSimnetDeployerContractsInterfaces(simnet: Simnet): Map<string, unknown>;
  export function getFunctionsFromContractInterfaces(interfaces: Map<string, unknown>): Map<string, RvFunction[]>;
  export function getContractNameFromContractId(contractId: string): string;
}

declare module '@stacks/rendezvous/dist/invariant.js' {
  import type { EventEmitter } from 'node:events';
  import type { Simnet } from '@stacks/clarinet-sdk';
  import type { RvFunction } from '@stacks/rendezvous/dist/shared.js';
  export function checkInvariants(
    simnet: Simnet,
    targetContractName: string,
    rendezvousList: string[],
    rendezvousAllFunctions: Map<string, RvFunction[]>,
    seed: number | undefined,
    runs: number | undefined,
    bail: boolean,
    dialerRegistry: undefined,
    radio: EventEmitter,
  ): Promise<void>;
}

declare module '@stacks/rendezvous/dist/property.js' {
  import type { EventEmitter } from 'node:events';
  import type { Simnet } from '@stacks/clarinet-sdk';
  import type { RvFunction } from '@stacks/rendezvous/dist/shared.js';
  export function checkProperties(
    simnet: Simnet,
    targetContractName: string,
    rendezvousList: string[],
    rendezvousAllFunctions: Map<string, RvFunction[]>,
    seed: number | undefined,
    runs: number | undefined,
    bail: boolean,
    radio: EventEmitter,
  ): void;
}

declare module '@stacks/rendezvous/dist/dialer.js' {
  /** Thrown from a post-call hook: the invariant loop re-throws it as a failure. */
  export class PostDialerError extends Error {}
}
