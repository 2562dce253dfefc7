// Crash safety with the SQLite store: side A runs in a child process (fixtures/
// crash-child.ts) streaming payments to side B in this process, and is killed with
// SIGKILL at random moments, eight times. After every restart both sides must agree on
// the newest state, no nonce may have been signed for two states by either side (every
// signature is logged before it leaves), and no acknowledged payment may be lost: B's
// gain lies between what A had acknowledged and what A had attempted (net of B's own
// payments to A, which also run, so A is killed as responder too).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Channel } from '../../client/src/channel/channel.js';
import { SqliteStore } from '../../client/src/store/sqlite.js';
import { toHex } from '../../client/src/wire/json.js';
import { CRASH_B, CRASH_CHANNEL, crashInitial } from './fixtures/crash-setup.js';
import { SignatureLog, fastBackend, sideConfig } from './fixtures/peers.js';
import { LineTransport } from './fixtures/stdio-transport.js';

const ROUNDS = 8;
const backend = await fastBackend();
const dir = mkdtempSync(join(tmpdir(), 'bitstream-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const viteNode = createRequire(import.meta.url).resolve('vite-node/vite-node.mjs');
const childScript = join(import.meta.dirname, 'fixtures', 'crash-child.ts');

interface Child {
  proc: ChildProcess;
  transport: LineTransport;
  status: () => Promise<{ nonce: bigint; hash: string; busy: boolean }>;
  ready: Promise<void>;
}

function startChild(seed: number): Child {
  const proc = spawn(process.execPath, [viteNode, childScript, dir, String(seed)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let onReady!: () => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    proc.once('exit', (code, signal) => reject(new Error(`child exited before it was ready (${code ?? signal})`)));
  });
  ready.catch(() => undefined); // observed by the caller; a later kill must not be unhandled
  const waiting: ((line: string) => void)[] = [];
  const transport = new LineTransport(proc.stdout!, proc.stdin!, (line) => {
    if (line === 'C ready') onReady();
    else if (line.startsWith('C status')) waiting.shift()?.(line);
  });
  const status = () =>
    new Promise<{ nonce: bigint; hash: string; busy: boolean }>((resolve) => {
      waiting.push((line) => {
        const [, , nonce, hash, busy] = line.split(' ');
        resolve({ nonce: BigInt(nonce!), hash: hash!, busy: busy === '1' });
      });
      transport.control('C status');
    });
  return { proc, transport, status, ready };
}

function openB(transport: LineTransport, store: SqliteStore, log: SignatureLog): Promise<Channel> {
  return Channel.open(
    sideConfig('b', { backend, channelId: CRASH_CHANNEL, store, transport, config: { retransmitMs: 30, onSignature: log.record } }),
    crashInitial,
  );
}

/** Wait until both sides hold the same newest state with nothing in flight. */
async function agree(b: Channel, child: Child): Promise<{ nonce: bigint; hash: string }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await child.status();
    if (s.nonce === b.latest.state.nonce && s.hash === toHex(b.latest.hash) && !s.busy && !b.busy) return s;
    if (Date.now() > deadline) throw new Error(`sides disagree: A at ${s.nonce} (busy ${s.busy}), B at ${b.latest.state.nonce} (busy ${b.busy})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface ALog {
  sigs: Map<bigint, Set<string>>;
  intended: bigint;
  acked: bigint;
  ackedNonces: bigint[];
}

function readALog(): ALog {
  const out: ALog = { sigs: new Map(), intended: 0n, acked: 0n, ackedNonces: [] };
  let text = '';
  try {
    text = readFileSync(join(dir, 'a.log'), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [kind, a, b, c] = line.split(' ');
    if (kind === 'sig') {
      const n = BigInt(a!);
      if (!out.sigs.has(n)) out.sigs.set(n, new Set());
      out.sigs.get(n)!.add(b!);
    } else if (kind === 'intent') out.intended += BigInt(b!);
    else if (kind === 'ack') {
      out.acked += BigInt(b!);
      out.ackedNonces.push(BigInt(c!));
    }
  }
  return out;
}

describe('crash safety', () => {
  it(`survives ${ROUNDS} SIGKILLs of a side mid-stream: agreement, no double signature, no lost payment`, async () => {
    const logB = new SignatureLog();
    let bIntended = 0n;
    let bAcked = 0n;
    let kills = 0;
    const bPath = join(dir, 'b.db');
    let finalNonce = 0n;

    const check = (b: Channel) => {
      const a = readALog();
      const doubleA = [...a.sigs].filter(([, s]) => s.size > 1).map(([n]) => n);
      expect(doubleA, 'A signed a nonce twice').toEqual([]);
      expect(logB.doubles(), 'B signed a nonce twice').toEqual([]);
      const gain = b.balances.own - CRASH_B;
      expect(gain, 'an acknowledged payment of A was lost').toBeGreaterThanOrEqual(a.acked - bIntended);
      expect(gain, 'B gained more than A ever tried to pay').toBeLessThanOrEqual(a.intended - bAcked);
      expect(a.ackedNonces.every((n) => n <= b.latest.state.nonce)).toBe(true);
      return a;
    };

    for (let round = 0; round <= ROUNDS; round++) {
      const child = startChild(round + 1);
      await child.ready;
      const store = new SqliteStore(bPath);
      const b = await openB(child.transport, store, logB);
      const agreed = await agree(b, child);
      expect(agreed.nonce).toBeGreaterThanOrEqual(finalNonce); // nothing went backwards
      finalNonce = agreed.nonce;
      const a = check(b);
      if (round === ROUNDS) {
        // the last run: no kill; a final sanity check that payments still flow
        expect(a.acked).toBeGreaterThan(0n);
        child.transport.control('C stop');
        child.proc.kill('SIGKILL');
        b.close();
        store.close();
        break;
      }
      child.transport.control('C go');
      // B pays A now and then, so A is also killed while responding
      let bPaying = true;
      const bStream = (async () => {
        while (bPaying) {
          bIntended += 3n;
          await b.pay(3n).then(() => (bAcked += 3n), () => undefined);
          await new Promise((r) => setTimeout(r, 15));
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 600)));
      const exited = new Promise((r) => child.proc.once('exit', r));
      child.proc.kill('SIGKILL');
      kills++;
      await exited;
      bPaying = false;
      await new Promise((r) => setTimeout(r, 20));
      b.close();
      await bStream;
      store.close();
    }
    expect(kills).toBe(ROUNDS);
    const a = readALog();
    expect(a.ackedNonces.length).toBeGreaterThan(ROUNDS); // payments were acknowledged between the kills
  });
});
