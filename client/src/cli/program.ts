// `bitstream …`: the command line (commander). `node start` runs a node in this process;
// `key create` writes an encrypted key file; every other command is a client of a
// running node's HTTP API (--api, BITSTREAM_API, the URL the node wrote to
// <data-dir>/api-url, or http://127.0.0.1:9737; the token from --token,
// BITSTREAM_API_TOKEN, or <data-dir>/api-token). Tables for people, --json for scripts;
// commands that wait for the chain print progress on stderr as the node reports it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { BitStreamError } from '../errors/errors.js';
import { NODE_DEFAULTS, NODE_ENV, loadNodeConfig } from '../node/config.js';
import { sealKey, writeKeyFile } from '../node/keyfile.js';
import { principalOf } from '../peer/handshake.js';
import { publicKeyOf } from '../crypto/noble.js';
import { CHAIN_ID_MAINNET, CHAIN_ID_TESTNET } from '../config/networks.js';
import { TOWER_ENV, loadTowerConfig } from '../tower/config.js';
import { NodeApiClient } from './api-client.js';
import { amount as amountText, fields, table } from './render.js';

/** A command given arguments that do not go together. */
class CliUsageError extends Error {
  readonly code = 'CLI_USAGE';
}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const CHANNEL_COLUMNS = [['id', 'channel'], ['peer', 'peer'], ['token', 'token'], ['phase', 'phase'], ['nonce', 'nonce'], ['balance', 'balance'], ['peerBalance', 'peer balance']] as const;

interface Globals { api?: string; token?: string; dataDir?: string; json?: boolean }

export function buildProgram(io: CliIo): Command {
  const program = new Command('bitstream')
    .description('BitStream: Bitcoin-anchored payment channels on Stacks')
    .option('--api <url>', 'the node API to talk to (env BITSTREAM_API)')
    .option('--token <token>', 'the API bearer token (env BITSTREAM_API_TOKEN, else <data-dir>/api-token)')
    .option('--data-dir <dir>', 'the node data directory (env BITSTREAM_DATA_DIR)', undefined)
    .option('--json', 'print JSON for scripts')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const globals = (): Globals => program.opts<Globals>();
  const dataDir = () => resolve(globals().dataDir ?? io.env[NODE_ENV.dataDir] ?? NODE_DEFAULTS.dataDir);
  const client = () => {
    const g = globals();
    const urlFile = join(dataDir(), 'api-url');
    const api = g.api ?? io.env['BITSTREAM_API'] ?? (existsSync(urlFile) ? readFileSync(urlFile, 'utf8').trim() : `http://${NODE_DEFAULTS.apiHost}:${NODE_DEFAULTS.apiPort}`);
    const tokenFile = join(dataDir(), 'api-token');
    const token = g.token ?? io.env[NODE_ENV.apiToken] ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '');
    return new NodeApiClient(api.replace(/\/+$/, ''), token);
  };
  const print = (value: unknown, human: () => string) => io.out(globals().json ? JSON.stringify(value, null, 2) : human());
  /** Run a request that waits for the chain, printing the node's progress on stderr. */
  const waiting = async <T>(c: NodeApiClient, what: string, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const stop = c.events((type, e) => {
      if (type === 'chain.tx') io.err(`… ${String(e['kind'])} ${String(e['status'])} ${String(e['txid']).slice(0, 12)}… (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      else if (type === 'chain.block') io.err(`… burn block ${String(e['burnHeight'])}`);
    });
    io.err(`${what}: waiting for the chain…`);
    try {
      return await run();
    } finally {
      stop();
    }
  };

  const node = program.command('node').description('run or inspect a node');
  node.command('start')
    .description('run a node in this process until interrupted')
    .option('--config <file>', 'JSON config file (env BITSTREAM_CONFIG)')
    .addOption(new Option('--network <name>', 'chain (env BITSTREAM_NETWORK)').choices(['local', 'devnet', 'testnet', 'mainnet']))
    .option('--chain-url <url>', 'the Stacks API (env BITSTREAM_API_URL)')
    .option('--peer-port <port>', 'peer WebSocket port (env BITSTREAM_PEER_PORT, default 9736)')
    .option('--api-port <port>', 'HTTP API port (env BITSTREAM_API_PORT, default 9737)')
    .option('--allow-mainnet', 'allow running on mainnet (env BITSTREAM_ALLOW_MAINNET=1)')
    .action(async (o: { config?: string; network?: string; chainUrl?: string; peerPort?: string; apiPort?: string; allowMainnet?: boolean }) => {
      const env: Record<string, string | undefined> = { ...io.env };
      const set = (k: string, v: string | undefined) => v !== undefined && (env[k] = v);
      set(NODE_ENV.config, o.config);
      set('BITSTREAM_NETWORK', o.network);
      set('BITSTREAM_API_URL', o.chainUrl);
      set(NODE_ENV.peerPort, o.peerPort);
      set(NODE_ENV.apiPort, o.apiPort);
      set(NODE_ENV.dataDir, globals().dataDir);
      if (o.allowMainnet) env[NODE_ENV.allowMainnet] = '1';
      const { BitStreamNode } = await import('../node/service.js');
      const n = await BitStreamNode.start(loadNodeConfig(env));
      io.out(`BitStream node ${n.principal} on ${n.config.chain.network}\n  peers connect to ${n.peerUrl}\n  API at ${n.apiUrl} (OpenAPI: ${n.apiUrl}/openapi.json)\n  data in ${n.config.dataDir}`);
      await new Promise<void>((done) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void n.stop().then(done));
      });
    });
  program.command('tower').description('the standalone watchtower').command('start')
    .description('run a watchtower in this process until interrupted: clients upload their states, it challenges stale closes')
    .option('--config <file>', 'JSON config file (env BITSTREAM_CONFIG)')
    .addOption(new Option('--network <name>', 'chain (env BITSTREAM_NETWORK)').choices(['local', 'devnet', 'testnet', 'mainnet']))
    .option('--chain-url <url>', 'the Stacks API (env BITSTREAM_API_URL)')
    .option('--port <port>', 'HTTP API port (env BITSTREAM_TOWER_PORT, default 9738)')
    .option('--allow-mainnet', 'allow running on mainnet (env BITSTREAM_ALLOW_MAINNET=1)')
    .action(async (o: { config?: string; network?: string; chainUrl?: string; port?: string; allowMainnet?: boolean }) => {
      const env: Record<string, string | undefined> = { ...io.env };
      const set = (k: string, v: string | undefined) => v !== undefined && (env[k] = v);
      set(NODE_ENV.config, o.config);
      set('BITSTREAM_NETWORK', o.network);
      set('BITSTREAM_API_URL', o.chainUrl);
      set(TOWER_ENV.port, o.port);
      set(NODE_ENV.dataDir, globals().dataDir);
      if (o.allowMainnet) env[NODE_ENV.allowMainnet] = '1';
      const { TowerService } = await import('../tower/service.js');
      const t = await TowerService.start(loadTowerConfig(env));
      io.out(`BitStream tower ${t.principal} on ${t.config.chain.network}\n  clients upload at ${t.url}/v1/states (OpenAPI: ${t.url}/openapi.json)\n  data in ${t.config.dataDir}`);
      await new Promise<void>((done) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void t.stop().then(done));
      });
    });

  node.command('info').description('the node: principal, chain, channels').action(async () => {
    const info = await client().call<Record<string, unknown>>('GET', '/v1/info');
    print(info, () => fields(info));
  });

  program.command('key')
    .description('manage the node key')
    .command('create')
    .description('generate a key and write it encrypted (passphrase from BITSTREAM_KEY_PASSPHRASE)')
    .requiredOption('--out <file>', 'where to write the key file (never overwritten)')
    .addOption(new Option('--network <name>', 'the principal to show').choices(['testnet', 'mainnet']).default('testnet'))
    .action(async (o: { out: string; network: string }) => {
      const passphrase = io.env[NODE_ENV.passphrase];
      if (passphrase === undefined || passphrase === '') throw new BitStreamError('CLI_NO_PASSPHRASE', `set ${NODE_ENV.passphrase} to the passphrase to encrypt the key with`);
      const key = crypto.getRandomValues(new Uint8Array(32));
      const principal = principalOf(publicKeyOf(key), o.network === 'mainnet' ? CHAIN_ID_MAINNET : CHAIN_ID_TESTNET);
      writeKeyFile(o.out, await sealKey(key, passphrase, principal));
      print({ principal, file: o.out }, () => `key for ${principal} written to ${o.out}`);
    });

  const peer = program.command('peer').description('peers');
  peer.command('connect <url>').description('connect to a peer node (ws:// or wss://)').option('--principal <principal>', 'refuse anyone else').action(async (url: string, o: { principal?: string }) => {
    const p = await client().call<Record<string, unknown>>('POST', '/v1/peers', { url, ...(o.principal === undefined ? {} : { principal: o.principal }) });
    print(p, () => `connected to ${String(p['principal'])}`);
  });
  peer.command('list').description('peers and whether they are connected').action(async () => {
    const ps = await client().call<Record<string, unknown>[]>('GET', '/v1/peers');
    print(ps, () => table(ps, [['principal', 'peer'], ['connected', 'connected']]));
  });

  const channel = program.command('channel').description('channels');
  channel.command('open <peer> <amount>')
    .description('open a channel with a connected peer, depositing <amount> (smallest unit)')
    .option('--token <token>', 'stx, sbtc or a SIP-010 contract', 'stx')
    .option('--window <blocks>', 'dispute window in burn blocks')
    .action(async (peerPrincipal: string, amount: string, o: { token: string; window?: string }) => {
      const c = client();
      const ch = await waiting(c, 'opening', () => c.call<Record<string, unknown>>('POST', '/v1/channels', { peer: peerPrincipal, amount, token: o.token, ...(o.window === undefined ? {} : { window: Number(o.window) }) }));
      print(ch, () => `opened ${String(ch['id'])}\n${fields(ch)}`);
    });
  channel.command('list').description('every channel of the node').action(async () => {
    const cs = await client().call<Record<string, unknown>[]>('GET', '/v1/channels');
    print(cs, () => table(cs.map((c) => ({ ...c, id: `${String(c['id']).slice(0, 16)}…` })), CHANNEL_COLUMNS));
  });
  channel.command('show <id>').description('one channel').action(async (id: string) => {
    const ch = await client().call<Record<string, unknown>>('GET', `/v1/channels/${id}`);
    print(ch, () => fields(ch));
  });
  for (const op of ['deposit', 'withdraw'] as const) {
    channel.command(`${op} <id> <amount>`).description(`${op} <amount> (co-signed ${op} state, then on-chain)`).action(async (id: string, amount: string) => {
      const c = client();
      const ch = await waiting(c, op, () => c.call<Record<string, unknown>>('POST', `/v1/channels/${id}/${op}`, { amount }));
      print(ch, () => fields(ch));
    });
  }
  channel.command('close <id>').description('close cooperatively: both paid at once').action(async (id: string) => {
    const c = client();
    const ch = await waiting(c, 'close', () => c.call<Record<string, unknown>>('POST', `/v1/channels/${id}/close`));
    print(ch, () => fields(ch));
  });
  channel.command('force-close <id>').description('close alone with the newest state; paid after the dispute window')
    .option('--accept-risk', 'close a restored channel its peer has not proven (only if the peer is gone for good: an older state than one you signed costs the penalty)')
    .action(async (id: string, o: { acceptRisk?: boolean }) => {
      const c = client();
      const ch = await waiting(c, 'force-close', () => c.call<Record<string, unknown>>('POST', `/v1/channels/${id}/force-close${o.acceptRisk === true ? '?acceptRisk=true' : ''}`));
      print(ch, () => fields(ch));
    });
  program.command('backup')
    .description('write the sealed channel backup now (the node also writes it after every change)')
    .option('--out <file>', 'write here instead of the configured backup file')
    .action(async (o: { out?: string }) => {
      const r = await client().call<Record<string, unknown>>('POST', '/v1/backup', o.out === undefined ? {} : { path: resolve(o.out) });
      print(r, () => `backup of ${String(r['channels'])} channel(s) written to ${String(r['path'])} (${String(r['bytes'])} bytes, sealed under the node key)`);
    });
  program.command('restore <file>')
    .description('bring the channels of a backup file back into the data directory (with the node stopped); each stays unproven until its peer shows its newest state')
    .option('--config <file>', 'JSON config file (env BITSTREAM_CONFIG)')
    .action(async (file: string, o: { config?: string }) => {
      const env: Record<string, string | undefined> = { ...io.env };
      if (o.config !== undefined) env[NODE_ENV.config] = o.config;
      if (globals().dataDir !== undefined) env[NODE_ENV.dataDir] = globals().dataDir;
      const { restoreFromFile } = await import('../node/restore.js');
      const r = await restoreFromFile(loadNodeConfig(env), resolve(file));
      print(r, () => `${table(r.channels.map((c) => ({ ...c, id: `${c.id.slice(0, 16)}…`, token: c.token ?? 'STX' })), [['id', 'channel'], ['peer', 'peer'], ['token', 'token'], ['nonce', 'nonce'], ['balance', 'balance'], ['outcome', 'outcome']])}

`
        + `backup of ${new Date(r.createdAt).toISOString()}. Start the node: it connects to each peer, which shows its newest state; until then a restored channel does not force-close.`);
    });

  program.command('pay <target> [amount]')
    .description('pay an invoice (bitstream1…), or pay <amount> to the peer of channel <target>')
    .option('--id <id>', 'payment id for a channel payment (retrying with it never pays twice)')
    .option('--timeout <ms>', 'how long to wait for the payee to settle an invoice', (v) => Number(v))
    .action(async (target: string, amount: string | undefined, o: { id?: string; timeout?: number }) => {
      if (/^bitstream1/i.test(target.trim())) {
        if (amount !== undefined) throw new CliUsageError('an invoice carries its amount: give none');
        const p = await client().call<Record<string, unknown>>('POST', '/v1/invoices/pay', { invoice: target, ...(o.timeout === undefined ? {} : { timeoutMs: o.timeout }) });
        print(p, () => `paid ${amountText(p['amount'])} to ${String(p['payee'])} (fee ${amountText(p['fee'])}); proof of payment: ${String(p['secret'])}`);
        return;
      }
      if (amount === undefined) throw new CliUsageError('give the amount to pay on the channel, or an invoice');
      const p = await client().call<Record<string, unknown>>('POST', '/v1/payments', { channelId: target, amount, ...(o.id === undefined ? {} : { id: o.id }) });
      print(p, () => `paid ${String(p['amount'])} (payment ${String(p['id'])}, state ${String(p['nonce'])})`);
    });
  program.command('fetch <url>')
    .description('fetch a URL, paying its HTTP 402 (x402, scheme bitstream) on a channel with its server\'s node')
    .option('--max-amount <amount>', 'the most this one call may cost, in the token\'s smallest unit')
    .option('-X, --method <method>', 'the HTTP method', 'GET')
    .option('-d, --data <body>', 'the request body')
    .option('-H, --header <header...>', 'a request header, "Name: value" (repeatable)')
    .action(async (url: string, o: { maxAmount?: string; method: string; data?: string; header?: string[] }) => {
      const headers: Record<string, string> = {};
      for (const h of o.header ?? []) {
        const at = h.indexOf(':');
        if (at <= 0) throw new CliUsageError(`a header is "Name: value", not ${JSON.stringify(h)}`);
        headers[h.slice(0, at).trim()] = h.slice(at + 1).trim();
      }
      const r = await client().call<{ status: number; body: string; payment: { amount: string; transaction: string } | null }>('POST', '/v1/fetch', {
        url, method: o.method.toUpperCase(), ...(o.header === undefined ? {} : { headers }), ...(o.data === undefined ? {} : { body: o.data }),
        ...(o.maxAmount === undefined ? {} : { maxAmount: o.maxAmount }),
      });
      if (!globals().json) io.err(r.payment === null ? `HTTP ${r.status}, nothing paid` : `HTTP ${r.status}, paid ${r.payment.amount} (state ${r.payment.transaction})`);
      print(r, () => r.body);
    });
  const invoice = program.command('invoice').description('invoices: payment requests this node issues or pays');
  invoice.command('create <amount>')
    .description('issue an invoice for <amount> (smallest unit of the token)')
    .option('--token <token>', 'stx, sbtc or a SIP-010 contract', 'stx')
    .option('--memo <text>', 'what it is for (at most 200 bytes)')
    .option('--expiry <seconds>', 'how long it can be paid', (v) => Number(v))
    .action(async (amount: string, o: { token: string; memo?: string; expiry?: number }) => {
      const inv = await client().call<Record<string, unknown>>('POST', '/v1/invoices', {
        amount, token: o.token, ...(o.memo === undefined ? {} : { memo: o.memo }), ...(o.expiry === undefined ? {} : { expirySeconds: o.expiry }),
      });
      print(inv, () => `${String(inv['invoice'])}\n\n${fields({ paymentHash: inv['paymentHash'], amount: inv['amount'], token: inv['token'] ?? 'STX', expires: new Date(Number(inv['expiresAt']) * 1000).toISOString() })}`);
    });
  invoice.command('decode <invoice>').description('what an invoice asks, and how this node would pay it').action(async (text: string) => {
    const q = await client().call<{ invoice: Record<string, unknown>; route: Record<string, unknown> | null; routeError: { code: string; message: string } | null }>('POST', '/v1/invoices/decode', { invoice: text });
    const i = q.invoice;
    print(q, () => fields({
      payee: i['payee'], amount: i['amount'], token: i['token'] ?? 'STX', memo: i['memo'] === '' ? null : i['memo'], paymentHash: i['paymentHash'],
      expires: new Date(Number(i['expiresAt']) * 1000).toISOString(),
      route: q.route === null ? `none: ${q.routeError?.message ?? ''}` : `channel ${String(q.route['channelId'])}${q.route['via'] === null ? '' : ` via hub ${String(q.route['via'])}`}, fee ${amountText(q.route['fee'])}, total ${amountText(q.route['total'])}`,
    }));
  });
  invoice.command('show <paymentHash>').description('an invoice this node issued or paid').action(async (hash: string) => {
    const v = await client().call<Record<string, unknown>>('GET', `/v1/invoices/${encodeURIComponent(hash)}`);
    print(v, () => fields(v));
  });
  program.command('swap <peer> <sell> <buy> <amount>')
    .description('give <sell> for <amount> of <buy> (stx, sbtc or a SIP-010 contract) with <peer>, over one channel in each, locked by one hash')
    .option('--quote', 'only show the peer\'s price; lock nothing')
    .option('--max-sell <amount>', 'refuse if the peer asks more than this of <sell> (default: its quote)')
    .option('--timeout <ms>', 'how long to wait for the peer to settle', (v) => Number(v))
    .action(async (peer: string, sell: string, buy: string, amount: string, o: { quote?: boolean; maxSell?: string; timeout?: number }) => {
      const terms = { peer, sell, buy, amount };
      const q = await client().call<Record<string, unknown>>('POST', o.quote === true ? '/v1/swaps/quote' : '/v1/swaps', {
        ...terms, ...(o.quote === true || o.maxSell === undefined ? {} : { maxSell: o.maxSell }), ...(o.quote === true || o.timeout === undefined ? {} : { timeoutMs: o.timeout }),
      });
      const what = `${amountText(q['price'])} ${sell} for ${amountText(q['amount'])} ${buy}`;
      print(q, () => (o.quote === true ? `${peer} asks ${what}\n\n${fields({ sellChannel: q['sellChannel'], buyChannel: q['buyChannel'] })}` : `swapped ${what}; payment hash ${String(q['paymentHash'])}`));
    });
  program.command('payment').description('payments').command('show <id>').description('a payment by id').action(async (id: string) => {
    const p = await client().call<Record<string, unknown>>('GET', `/v1/payments/${encodeURIComponent(id)}`);
    print(p, () => fields(p));
  });
  return program;
}

/** Run the CLI; the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  program.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    if (program.opts<Globals>().json) io.out(JSON.stringify({ error: { code: code ?? 'CLI_FAILED', message: (e as Error).message } }));
    else io.err(`error ${code ?? 'CLI_FAILED'}: ${(e as Error).message}`);
    return 1;
  }
}
