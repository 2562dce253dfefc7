// The deploy tool (client/src/deploy, client/bin/deploy.ts). First the checked-in
// deployment plans against Clarinet.toml, settings/Devnet.toml and the simnet; then the
// tool itself, run whole (runDeployCli) against a fake Stacks node on 127.0.0.1 that
// records every broadcast transaction and confirms each only after it has been polled,
// so a tool that sent a contract before its dependencies confirmed would be caught; then
// the refusals (mainnet without the flag, no key, a fee over the cap, a taken name, the
// wrong chain); and last a real deploy into the local chain (the simnet behind a node
// look-alike), which proves a node-like mempool accepts the transactions and the
// contracts work where they land.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  AddressHashMode, PayloadType, addressFromVersionHash, addressHashModeToVersion, addressToString, deserializeTransaction,
  privateKeyToAddress, type StacksTransactionWire,
} from '@stacks/transactions';
import {
  CONTRACT_SCOPE, DeployError, DeployerKey, buildPlan, contractReferences, parseManifest, runDeployCli, type Clock,
} from '../../client/src/deploy/index.js';
import { SBTC_MAINNET, SBTC_TESTNET } from '../../client/src/config/index.js';
import { startLocalChain, type RunningChain } from '../../client/src/localchain/index.js';
import { carol, keys, toHex } from '../contracts/helpers.js';

const DEPLOYER_KEY = `${toHex(keys[simnet.deployer]!)}01`;
const manifest = parseManifest(readFileSync('Clarinet.toml', 'utf8'));
const sourceOf = (path: string) => readFileSync(path, 'utf8');
const sources = new Map(manifest.map((c) => [c.name, sourceOf(c.path)]));

interface PlanTx { name: string; sender: string; path: string; clarityVersion: number; epoch: string }

/** The transactions of a Clarinet deployment plan, in the order Clarinet sends them. */
function planTransactions(file: string, kind: 'contract-publish' | 'emulated-contract-publish'): { network: string; txs: PlanTx[] } {
  const doc = parseYaml(readFileSync(file, 'utf8')) as {
    network: string;
    plan: { batches: { epoch: string; transactions: Record<string, Record<string, string | number>>[] }[] };
  };
  const txs: PlanTx[] = [];
  for (const batch of doc.plan.batches) {
    for (const t of batch.transactions) {
      const body = t[kind];
      expect(body, `${file}: every transaction is a ${kind}`).toBeDefined();
      txs.push({
        name: String(body!['contract-name']),
        sender: String(body!['expected-sender'] ?? body!['emulated-sender']),
        path: String(body!['path']),
        clarityVersion: Number(body!['clarity-version']),
        epoch: String(batch.epoch),
      });
    }
  }
  return { network: doc.network, txs };
}

/** Each contract comes after every contract it references (`.name`, use-trait, impl-trait). */
function expectDependencyOrder(order: readonly string[]): void {
  order.forEach((name, i) => {
    for (const dep of contractReferences(sources.get(name)!).local) {
      expect(order.indexOf(dep), `${name} references .${dep}, which must come first`).toBeGreaterThanOrEqual(0);
      expect(order.indexOf(dep), `${name} references .${dep}, which must come first`).toBeLessThan(i);
    }
  });
}

describe('the checked-in deployment plans match Clarinet.toml', () => {
  const devnet = planTransactions('deployments/default.devnet-plan.yaml', 'contract-publish');
  const simnetPlan = planTransactions('deployments/default.simnet-plan.yaml', 'emulated-contract-publish');

  it('Clarinet.toml, as the deploy tool reads it, lists exactly the contracts the simnet deployed', () => {
    const deployed = [...simnet.getContractsInterfaces().keys()].filter((id) => id.startsWith(`${simnet.deployer}.`));
    expect(manifest.map((c) => `${simnet.deployer}.${c.name}`).sort()).toEqual(deployed.sort());
    for (const c of manifest) expect(simnet.getContractSource(`${simnet.deployer}.${c.name}`)).toBe(sources.get(c.name));
  });

  it.each([['devnet', devnet], ['simnet', simnetPlan]] as const)('%s plan: every contract, with its path, Clarity 4 and epoch 3.3', (network, plan) => {
    expect(plan.network).toBe(network);
    expect(plan.txs.map((t) => t.name).sort()).toEqual(manifest.map((c) => c.name).sort());
    for (const t of plan.txs) {
      const c = manifest.find((m) => m.name === t.name)!;
      expect(t.path).toBe(c.path);
      expect(c.clarityVersion).toBe(4);
      expect(t.clarityVersion).toBe(4);
      expect(c.epoch).toBe('3.3');
      expect(t.epoch).toBe('3.3');
    }
  });

  it.each([['devnet', devnet], ['simnet', simnetPlan]] as const)('%s plan: dependency order', (_network, plan) => {
    expectDependencyOrder(plan.txs.map((t) => t.name));
  });

  it('the devnet deployer is Devnet.toml\'s deployer account and the simnet\'s deployer', () => {
    const devnetToml = readFileSync('settings/Devnet.toml', 'utf8');
    const section = devnetToml.split('[accounts.deployer]')[1]!.split(/\n\[/)[0]!;
    const address = /#\s*stx_address:\s*(\S+)/.exec(section)![1];
    const secret = /#\s*secret_key:\s*([0-9a-f]{66})/.exec(section)![1]!;
    expect(address).toBe(simnet.deployer);
    // the commented key really is the deployer's (the test key the contract tests sign with)
    expect(privateKeyToAddress(secret, 'testnet')).toBe(address);
    expect(secret).toBe(DEPLOYER_KEY);
    for (const t of [...devnet.txs, ...simnetPlan.txs]) expect(t.sender).toBe(simnet.deployer);
  });

  it('the deploy tool orders devnet exactly as the devnet plan does', () => {
    const plan = buildPlan(manifest, sources, 'devnet');
    expect(plan.steps.map((s) => s.name)).toEqual(devnet.txs.map((t) => t.name));
    expect(plan.skipped).toEqual([]);
  });

  it('every contract in Clarinet.toml has a deploy scope, and only the stand-ins are devnet-only', () => {
    for (const c of manifest) expect(CONTRACT_SCOPE[c.name], c.name).toBeDefined();
    expect(Object.entries(CONTRACT_SCOPE).filter(([, s]) => s === 'devnet').map(([n]) => n).sort()).toEqual(['bitstream-2', 'sbtc-token', 'test-token']);
  });
});

describe('plan building', () => {
  it('references: use-trait, impl-trait and contract-call count; comments, strings and trait names do not', () => {
    const refs = contractReferences([
      '(use-trait sip-010 .sip-010-trait.sip-010-trait)',
      '(impl-trait .other-trait.thing)',
      ';; (contract-call? .in-a-comment f)',
      '(print "see .in-a-string")',
      '(contract-call? .secret-registry get-reveal-height h)',
      "(contract-call? 'SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token get-decimals)",
    ].join('\n'));
    expect([...refs.local].sort()).toEqual(['other-trait', 'secret-registry', 'sip-010-trait']);
    expect(refs.absolute).toEqual([SBTC_MAINNET]);
  });

  it('testnet and mainnet deploy only sip-010-trait, secret-registry, bitstream, in that order', () => {
    for (const network of ['testnet', 'mainnet'] as const) {
      const plan = buildPlan(manifest, sources, network);
      expect(plan.steps.map((s) => [s.name, s.batch])).toEqual([['sip-010-trait', 0], ['secret-registry', 0], ['bitstream', 1]]);
      expect(plan.skipped.map((s) => s.name).sort()).toEqual(['bitstream-2', 'sbtc-token', 'test-token']);
    }
  });

  const code = (e: unknown) => (e instanceof DeployError ? e.code : String(e));
  const attempt = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return code(e);
    }
    return 'no error';
  };
  const one = (name: string) => ({ name, path: `contracts/${name}.clar`, clarityVersion: 4, epoch: '3.3' });

  it('attack: a public-network contract that references a devnet stand-in stops the plan', () => {
    const srcs = new Map(sources);
    srcs.set('bitstream', `${sources.get('bitstream')!}\n(define-read-only (d) (contract-call? .sbtc-token get-decimals))`);
    expect(attempt(() => buildPlan(manifest, srcs, 'mainnet'))).toBe('DEPLOY_MISSING_DEPENDENCY');
    expect(attempt(() => buildPlan(manifest, srcs, 'devnet'))).toBe('no error');
  });

  it('a contract missing from the scope table, a cycle, or an unknown reference stops the plan', () => {
    const extra = [...manifest, one('new-contract')];
    const srcs = new Map(sources).set('new-contract', '(define-constant X u1)');
    expect(attempt(() => buildPlan(extra, srcs, 'devnet'))).toBe('DEPLOY_UNCLASSIFIED_CONTRACT');
    const scopes = { a: 'everywhere', b: 'everywhere' } as const;
    const cyc = new Map([['a', '(contract-call? .b f)'], ['b', '(contract-call? .a f)']]);
    expect(attempt(() => buildPlan([one('a'), one('b')], cyc, 'devnet', scopes))).toBe('DEPLOY_DEPENDENCY_CYCLE');
    const unknown = new Map([['a', '(contract-call? .nowhere f)'], ['b', '']]);
    expect(attempt(() => buildPlan([one('a'), one('b')], unknown, 'devnet', scopes))).toBe('DEPLOY_MISSING_DEPENDENCY');
  });

  it('a malformed Clarinet.toml contract table is DEPLOY_MANIFEST with its line', () => {
    expect(attempt(() => parseManifest('[contracts.x]\nclarity_version = 4\nepoch = 3.3\n'))).toBe('DEPLOY_MANIFEST');
    expect(attempt(() => parseManifest('[contracts.x]\npath = "a.clar"\nclarity_version = four\n'))).toBe('DEPLOY_MANIFEST');
    expect(attempt(() => parseManifest('[contracts.x]\npath = "a.clar"\nclarity_version = 4\nepoch = 3.3\n[contracts.x]\n'))).toBe('DEPLOY_MANIFEST');
    expect(parseManifest('[project]\nodd = { inline = 1 }\n[contracts."y"]\npath = "y.clar" # c\nclarity_version = 4\nepoch = "3.3"\n')).toEqual([
      { name: 'y', path: 'y.clar', clarityVersion: 4, epoch: '3.3' },
    ]);
  });
});

// ---------------------------------------------------------------------------------
// A fake Stacks node: enough of /v2 and /extended for the deploy tool, on 127.0.0.1.
// ---------------------------------------------------------------------------------

interface Broadcast {
  bytes: Uint8Array;
  tx: StacksTransactionWire;
  name: string;
  /** contracts confirmed when this transaction arrived */
  confirmedBefore: string[];
}

class FakeNode {
  readonly broadcasts: Broadcast[] = [];
  readonly requests: string[] = [];
  readonly contracts = new Map<string, string>(); // contract id -> source
  /** polls a transaction gets answered `pending` before it confirms */
  pollsBeforeConfirm = 2;
  feeEstimates = true;
  failContract: string | null = null;
  balance = 100_000_000_000n;
  private nonce = 0n;
  private readonly txs = new Map<string, { broadcast: Broadcast; polls: number; status: 'pending' | 'success' | 'abort_by_response' }>();
  private server: Server | null = null;
  url = '';

  constructor(readonly chainId: number, readonly mainnet: boolean) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [status, body] = this.handle(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname, Buffer.concat(chunks));
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(method: string, path: string, body: Buffer): [number, unknown] {
    this.requests.push(`${method} ${path}`);
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/v2/info') return [200, { network_id: this.chainId, burn_block_height: 100 }];
    if (method === 'GET' && (m = /^\/v2\/accounts\/(\w+)$/.exec(path))) {
      return [200, { balance: `0x${this.balance.toString(16).padStart(32, '0')}`, nonce: Number(this.nonce), balance_proof: '', nonce_proof: '' }];
    }
    if (method === 'GET' && (m = /^\/v2\/contracts\/source\/(\w+)\/([\w-]+)$/.exec(path))) {
      const source = this.contracts.get(`${m[1]}.${m[2]}`);
      return source === undefined ? [404, 'No contract source data found'] : [200, { source, publish_height: 1, proof: '' }];
    }
    if (method === 'POST' && path === '/v2/fees/transaction') {
      if (!this.feeEstimates) return [400, { error: 'Estimation could not be performed', reason: 'NoEstimateAvailable' }];
      const { estimated_len } = JSON.parse(body.toString()) as { estimated_len: number };
      return [200, { estimations: [1, 2, 3].map((rate) => ({ fee_rate: rate, fee: rate * estimated_len })) }];
    }
    if (method === 'GET' && path === '/v2/fees/transfer') return [200, 3];
    if (method === 'POST' && path === '/v2/transactions') {
      const bytes = new Uint8Array(body);
      const tx = deserializeTransaction(bytes);
      if (tx.chainId !== this.chainId) return [400, { error: 'transaction rejected', reason: 'SignatureValidation', txid: tx.txid() }];
      if (tx.auth.spendingCondition.nonce !== this.nonce + BigInt(this.pendingCount())) {
        return [400, { error: 'transaction rejected', reason: 'BadNonce', txid: tx.txid() }];
      }
      const name = tx.payload.payloadType === PayloadType.VersionedSmartContract || tx.payload.payloadType === PayloadType.SmartContract
        ? tx.payload.contractName.content : '?';
      const confirmedBefore = [...this.txs.values()].filter((t) => t.status === 'success').map((t) => t.broadcast.name);
      const broadcast = { bytes, tx, name, confirmedBefore };
      this.broadcasts.push(broadcast);
      this.txs.set(tx.txid(), { broadcast, polls: 0, status: 'pending' });
      return [200, tx.txid()];
    }
    if (method === 'GET' && (m = /^\/extended\/v1\/tx\/0x([0-9a-f]{64})$/.exec(path))) {
      const t = this.txs.get(m[1]!);
      if (t === undefined) return [404, { error: 'not found' }];
      if (t.status === 'pending' && ++t.polls > this.pollsBeforeConfirm) this.mine(t);
      return [200, { tx_id: `0x${m[1]}`, tx_status: t.status, block_height: t.status === 'pending' ? undefined : 7, tx_result: { repr: t.status === 'success' ? '(ok true)' : '(err none)' } }];
    }
    return [404, { error: `no route ${method} ${path}` }];
  }

  private pendingCount(): number {
    return [...this.txs.values()].filter((t) => t.status === 'pending').length;
  }

  private mine(t: { broadcast: Broadcast; status: string }): void {
    this.nonce += 1n;
    if (t.broadcast.name === this.failContract) {
      t.status = 'abort_by_response';
      return;
    }
    t.status = 'success';
    const payload = t.broadcast.tx.payload as { codeBody: { content: string } };
    this.contracts.set(`${originOf(t.broadcast.tx, this.mainnet)}.${t.broadcast.name}`, payload.codeBody.content);
  }
}

/** The address that signed a transaction, after checking the signature (throws if it does not verify). */
function originOf(tx: StacksTransactionWire, mainnet: boolean): string {
  tx.verifyOrigin();
  const c = tx.auth.spendingCondition;
  return addressToString(addressFromVersionHash(addressHashModeToVersion(c.hashMode as AddressHashMode, mainnet ? 'mainnet' : 'testnet'), c.signer));
}

/** A clock whose sleeps return at once (the fake node confirms by poll count, not by time). */
const instantClock: Clock = { now: () => 0, sleep: async () => undefined };

async function runCli(argv: string[], env: Record<string, string>, node?: FakeNode) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeployCli(argv, { BITSTREAM_POLL_MS: '10', ...env, ...(node ? { BITSTREAM_API_URL: node.url } : {}) }, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  }, { clock: instantClock });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const TESTNET_ID = 0x80000000;
const nodes: FakeNode[] = [];
async function fakeNode(chainId = TESTNET_ID, mainnet = false): Promise<FakeNode> {
  const n = new FakeNode(chainId, mainnet);
  await n.start();
  nodes.push(n);
  return n;
}
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

describe('deploying against a fake node', () => {
  it('devnet: six signed Clarity 4 deploys from the key\'s address, consecutive nonces, each after its dependencies confirmed', async () => {
    const node = await fakeNode();
    const r = await runCli(['--network', 'devnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, node);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(node.broadcasts.map((b) => b.name)).toEqual(['sip-010-trait', 'secret-registry', 'bitstream', 'bitstream-2', 'test-token', 'sbtc-token']);
    node.broadcasts.forEach((b, i) => {
      const tx = deserializeTransaction(b.bytes); // what the node received, decoded afresh
      expect(originOf(tx, false)).toBe(simnet.deployer);
      expect(tx.chainId).toBe(TESTNET_ID);
      expect(tx.auth.spendingCondition.nonce).toBe(BigInt(i));
      expect(tx.payload.payloadType).toBe(PayloadType.VersionedSmartContract);
      const payload = tx.payload as unknown as { clarityVersion: number; codeBody: { content: string } };
      expect(payload.clarityVersion).toBe(4);
      expect(payload.codeBody.content).toBe(sources.get(b.name));
      // the fee is the node's middle estimate: 2 µSTX per byte of the signed transaction
      expect(tx.auth.spendingCondition.fee).toBe(BigInt(2 * b.bytes.length));
      for (const dep of contractReferences(sources.get(b.name)!).local) expect(b.confirmedBefore, `${b.name} sent before ${dep} confirmed`).toContain(dep);
    });
    for (const name of sources.keys()) expect(r.out).toContain(`${simnet.deployer}.${name}  txid 0x`);
    expect(r.out).toContain(`BITSTREAM_CONTRACT=${simnet.deployer}.bitstream`);
    expect(r.out).toContain(`BITSTREAM_SBTC=${simnet.deployer}.sbtc-token`);
    expect(r.out).not.toContain(DEPLOYER_KEY.slice(0, 64));
  });

  it('a tampered transaction does not verify (the signature check above can fail)', async () => {
    const node = await fakeNode();
    await runCli(['--network', 'devnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, node);
    const bytes = Uint8Array.from(node.broadcasts[0]!.bytes);
    bytes[bytes.length - 2] ^= 0x01; // one byte of the contract's source
    expect(() => originOf(deserializeTransaction(bytes), false)).toThrow();
  });

  it.each([
    ['testnet', TESTNET_ID, false, SBTC_TESTNET, []],
    ['mainnet', 1, true, SBTC_MAINNET, ['--yes-deploy-to-mainnet']],
  ] as const)('%s: only the three real contracts, signed for its chain; stand-ins skipped, real sBTC wired', async (network, chainId, mainnet, sbtc, extra) => {
    const node = await fakeNode(chainId, mainnet);
    const r = await runCli(['--network', network, ...extra], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, node);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(node.broadcasts.map((b) => b.name)).toEqual(['sip-010-trait', 'secret-registry', 'bitstream']);
    const address = privateKeyToAddress(DEPLOYER_KEY, mainnet ? 'mainnet' : 'testnet');
    for (const b of node.broadcasts) {
      expect(originOf(b.tx, mainnet)).toBe(address);
      expect(b.tx.chainId).toBe(chainId);
    }
    expect(r.out).toContain(`BITSTREAM_CONTRACT=${address}.bitstream`);
    expect(r.out).toContain(`BITSTREAM_SBTC=${sbtc}`);
    for (const name of ['bitstream-2', 'test-token', 'sbtc-token']) expect(r.out).toContain(`skipped  ${name}`);
  });

  it('attack: mainnet without --yes-deploy-to-mainnet is refused before any request', async () => {
    const node = await fakeNode(1, true);
    const r = await runCli(['--network', 'mainnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, node);
    expect(r.code).toBe(1);
    expect(r.err).toContain('DEPLOY_MAINNET_NOT_CONFIRMED');
    expect(node.requests).toEqual([]);
  });

  it('--dry-run prints the plan and the wiring and touches no network', async () => {
    const node = await fakeNode();
    const r = await runCli(['--network', 'devnet', '--dry-run'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, node);
    expect(r.code).toBe(0);
    expect(r.out).toContain('dry run');
    expect(r.out).toContain(`batch 1  ${simnet.deployer}.bitstream  contracts/bitstream.clar  clarity 4  epoch 3.3`);
    expect(r.out).toContain(`BITSTREAM_CONTRACT=${simnet.deployer}.bitstream`);
    expect(node.requests).toEqual([]);
  });

  it('refuses to run without a key or with a malformed one, and never prints the key', async () => {
    const missing = await runCli(['--network', 'devnet', '--dry-run'], {});
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('DEPLOY_KEY_MISSING');
    const bad = `${DEPLOYER_KEY.slice(0, 60)}zz`;
    const invalid = await runCli(['--network', 'devnet', '--dry-run'], { BITSTREAM_DEPLOYER_KEY: bad });
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain('DEPLOY_KEY_INVALID');
    expect(invalid.err + invalid.out).not.toContain(bad.slice(0, 32));
    const order = 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141'; // the curve order: not a key
    expect((await runCli(['--network', 'devnet', '--dry-run'], { BITSTREAM_DEPLOYER_KEY: order })).err).toContain('DEPLOY_KEY_INVALID');
    const key = DeployerKey.fromHex(DEPLOYER_KEY);
    expect(`${key} ${JSON.stringify({ key })}`).not.toContain(DEPLOYER_KEY.slice(0, 16));
  });

  it('bad flags and a BITSTREAM_NETWORK that disagrees with --network are usage errors', async () => {
    const env = { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY };
    for (const argv of [[], ['--network', 'local'], ['--network', 'devnet', '--fee', '0'], ['--network', 'devnet', '--bogus']]) {
      const r = await runCli(argv, env);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toContain('DEPLOY_USAGE');
    }
    const r = await runCli(['--network', 'devnet', '--dry-run'], { ...env, BITSTREAM_NETWORK: 'mainnet' });
    expect(r.err).toContain('DEPLOY_USAGE');
  });

  it('--fee fixes every fee; without a node estimate the transfer fee rate times the length is used', async () => {
    const fixed = await fakeNode();
    expect((await runCli(['--network', 'testnet', '--fee', '50000'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, fixed)).code).toBe(0);
    expect(fixed.broadcasts.map((b) => b.tx.auth.spendingCondition.fee)).toEqual([50000n, 50000n, 50000n]);
    expect(fixed.requests.some((q) => q.includes('/v2/fees'))).toBe(false);

    const fresh = await fakeNode();
    fresh.feeEstimates = false;
    expect((await runCli(['--network', 'testnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, fresh)).code).toBe(0);
    for (const b of fresh.broadcasts) expect(b.tx.auth.spendingCondition.fee).toBe(BigInt(3 * b.bytes.length));
  });

  it('a fee over the cap, or fees the deployer cannot pay, stop the run with nothing sent', async () => {
    const node = await fakeNode();
    const capped = await runCli(['--network', 'devnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY, BITSTREAM_MAX_FEE: '10000' }, node);
    expect(capped.err).toContain('DEPLOY_FEE_ABOVE_CAP'); // bitstream.clar alone is ~34 kB
    node.balance = 1000n;
    const poor = await runCli(['--network', 'devnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, node);
    expect(poor.err).toContain('DEPLOY_INSUFFICIENT_FUNDS');
    expect(node.broadcasts).toEqual([]);
  });

  it('attack: a node serving another chain is refused (a devnet URL that points at mainnet)', async () => {
    const node = await fakeNode(1, true);
    const r = await runCli(['--network', 'devnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, node);
    expect(r.err).toContain('DEPLOY_CHAIN_MISMATCH');
    expect(node.broadcasts).toEqual([]);
  });

  it('a re-run resumes: contracts already deployed with the same source are skipped; a name taken by other source is refused', async () => {
    const node = await fakeNode();
    node.contracts.set(`${simnet.deployer}.sip-010-trait`, sources.get('sip-010-trait')!);
    node.contracts.set(`${simnet.deployer}.secret-registry`, sources.get('secret-registry')!);
    const r = await runCli(['--network', 'testnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, node);
    expect(r.code).toBe(0);
    expect(node.broadcasts.map((b) => b.name)).toEqual(['bitstream']);
    expect(r.out).toContain(`${simnet.deployer}.secret-registry  already deployed`);

    const taken = await fakeNode();
    taken.contracts.set(`${simnet.deployer}.bitstream`, '(define-constant OTHER u1)');
    const t = await runCli(['--network', 'testnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, taken);
    expect(t.err).toContain('DEPLOY_CONTRACT_CONFLICT');
    expect(taken.broadcasts).toEqual([]);
  });

  it('a deploy that fails on chain stops the run before its dependants are sent', async () => {
    const node = await fakeNode();
    node.failContract = 'secret-registry';
    const r = await runCli(['--network', 'testnet'], { BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY }, node);
    expect(r.code).toBe(1);
    expect(r.err).toContain('DEPLOY_TX_FAILED');
    expect(node.broadcasts.map((b) => b.name)).toEqual(['sip-010-trait', 'secret-registry']);
  });

  it('a transaction never confirmed ends in DEPLOY_TIMEOUT', async () => {
    const node = await fakeNode();
    node.pollsBeforeConfirm = Number.MAX_SAFE_INTEGER;
    let t = 0;
    const out: string[] = [];
    const code = await runDeployCli(['--network', 'testnet'], {
      BITSTREAM_DEPLOYER_KEY: DEPLOYER_KEY, BITSTREAM_API_URL: node.url, BITSTREAM_POLL_MS: '1000', BITSTREAM_CONFIRM_TIMEOUT_S: '5',
    }, { out: () => undefined, err: (l) => out.push(l) }, { clock: { now: () => t, sleep: async (ms) => void (t += ms) } });
    expect(code).toBe(1);
    expect(out.join('\n')).toContain('DEPLOY_TIMEOUT');
  });
});

describe('deploying into the local chain (the simnet behind a node look-alike)', () => {
  let running: RunningChain;
  beforeAll(async () => {
    running = await startLocalChain({ simnet, port: 0, blockIntervalMs: 20, burnBlockIntervalMs: 0 });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('a second deployer deploys all six contracts on devnet, and its channel contract answers', async () => {
    const key = `${toHex(keys[carol]!)}01`;
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDeployCli(['--network', 'devnet'], { BITSTREAM_DEPLOYER_KEY: key, BITSTREAM_API_URL: running.url, BITSTREAM_POLL_MS: '20' }, {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    for (const name of sources.keys()) expect(simnet.getContractSource(`${carol}.${name}`)).toBe(sources.get(name));
    // carol's channel contract signs states under its own domain, not the deployer's
    const domain = (contract: string) => simnet.callReadOnlyFn(contract, 'get-domain-hash', [], carol).result;
    expect(domain(`${carol}.bitstream`)).not.toEqual(domain(`${simnet.deployer}.bitstream`));
    expect(domain(`${carol}.bitstream`).type).toBe('buffer');
  });
});
