// The deploy plan: which contracts of Clarinet.toml go to a network, in which order and
// in which batch. Each contract has a scope: `everywhere`, or `devnet` for the simnet/
// devnet stand-ins (the sBTC stand-in, the test token, the replay-test copy
// bitstream-2), which never reach testnet or mainnet; there the client configuration
// points at the real sBTC instead (config/networks.ts). A manifest contract missing from
// the scope table stops the plan, so a new contract cannot slip onto mainnet unseen.
// Order: a contract comes after every contract it references (`.name`, use-trait,
// impl-trait); ties keep Clarinet.toml's order. A contract's batch is one more than its
// latest dependency's, and batch k+1 is sent only once batch k is confirmed.
// Pure once the sources are read (loadPlan reads them).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DeployError } from './errors.js';
import { parseManifest, type ManifestContract } from './manifest.js';
import { contractReferences } from './references.js';

export const DEPLOY_NETWORKS = ['devnet', 'testnet', 'mainnet'] as const;
export type DeployNetwork = (typeof DEPLOY_NETWORKS)[number];

export type ContractScope = 'everywhere' | 'devnet';

/** Where each contract of Clarinet.toml may be deployed. */
export const CONTRACT_SCOPE: Readonly<Record<string, ContractScope>> = {
  'sip-010-trait': 'everywhere',
  'secret-registry': 'everywhere',
  bitstream: 'everywhere',
  'bitstream-2': 'devnet',
  'test-token': 'devnet',
  'sbtc-token': 'devnet',
};

export interface PlanStep {
  readonly name: string;
  readonly path: string;
  readonly source: string;
  readonly clarityVersion: number;
  readonly epoch: string;
  /** local contracts this one references, all earlier in the plan */
  readonly dependsOn: readonly string[];
  /** contracts on the chain this one references by full principal */
  readonly external: readonly string[];
  readonly batch: number;
}

export interface DeployPlan {
  readonly network: DeployNetwork;
  readonly steps: readonly PlanStep[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

export function isDeployNetwork(value: string): value is DeployNetwork {
  return (DEPLOY_NETWORKS as readonly string[]).includes(value);
}

/** Order `contracts` for `network`; `sources` maps each contract name to its Clarity source. */
export function buildPlan(
  contracts: readonly ManifestContract[],
  sources: ReadonlyMap<string, string>,
  network: DeployNetwork,
  scopes: Readonly<Record<string, ContractScope>> = CONTRACT_SCOPE,
): DeployPlan {
  const skipped: { name: string; reason: string }[] = [];
  const chosen: ManifestContract[] = [];
  for (const c of contracts) {
    const scope = scopes[c.name];
    if (scope === undefined) {
      throw new DeployError('DEPLOY_UNCLASSIFIED_CONTRACT', `${c.name} is in Clarinet.toml but not in the deploy scope table (plan.ts)`, {
        details: { contract: c.name },
      });
    }
    if (scope === 'devnet' && network !== 'devnet') skipped.push({ name: c.name, reason: 'simnet/devnet only' });
    else chosen.push(c);
  }

  const deps = new Map<string, { local: readonly string[]; absolute: readonly string[] }>();
  for (const c of chosen) {
    const source = sources.get(c.name);
    if (source === undefined) throw new DeployError('DEPLOY_MANIFEST', `no source read for ${c.name}`, { details: { contract: c.name } });
    const refs = contractReferences(source);
    for (const r of refs.local) {
      if (r === c.name) continue;
      if (!chosen.some((o) => o.name === r)) {
        const why = contracts.some((o) => o.name === r) ? `not deployed on ${network}` : 'not in Clarinet.toml';
        throw new DeployError('DEPLOY_MISSING_DEPENDENCY', `${c.name} references .${r}, which is ${why}`, {
          details: { contract: c.name, reference: r, network },
        });
      }
    }
    deps.set(c.name, { local: refs.local.filter((r) => r !== c.name), absolute: refs.absolute });
  }

  const steps: PlanStep[] = [];
  const batchOf = new Map<string, number>();
  const pending = [...chosen];
  while (pending.length > 0) {
    const i = pending.findIndex((c) => deps.get(c.name)!.local.every((d) => batchOf.has(d)));
    if (i === -1) {
      throw new DeployError('DEPLOY_DEPENDENCY_CYCLE', `contracts reference each other in a cycle: ${pending.map((c) => c.name).join(', ')}`, {
        details: { contracts: pending.map((c) => c.name) },
      });
    }
    const c = pending.splice(i, 1)[0]!;
    const d = deps.get(c.name)!;
    const batch = d.local.reduce((b, name) => Math.max(b, batchOf.get(name)! + 1), 0);
    batchOf.set(c.name, batch);
    steps.push({
      name: c.name, path: c.path, source: sources.get(c.name)!, clarityVersion: c.clarityVersion, epoch: c.epoch,
      dependsOn: d.local, external: d.absolute, batch,
    });
  }
  return { network, steps, skipped };
}

/** Read Clarinet.toml at `manifestPath` and every contract's source, then build the plan. */
export async function loadPlan(manifestPath: string, network: DeployNetwork): Promise<DeployPlan> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (cause) {
    throw new DeployError('DEPLOY_MANIFEST', `cannot read ${manifestPath}`, { details: { manifestPath }, cause });
  }
  const contracts = parseManifest(text);
  const root = dirname(resolve(manifestPath));
  const sources = new Map<string, string>();
  for (const c of contracts) {
    // only contracts this network deploys need their file
    if (CONTRACT_SCOPE[c.name] === 'devnet' && network !== 'devnet') continue;
    try {
      sources.set(c.name, await readFile(resolve(root, c.path), 'utf8'));
    } catch (cause) {
      throw new DeployError('DEPLOY_MANIFEST', `cannot read ${c.path} (contract ${c.name})`, { details: { contract: c.name, path: c.path }, cause });
    }
  }
  return buildPlan(contracts, sources, network);
}
