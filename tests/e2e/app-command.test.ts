// `npm run app` as a person runs it after cloning: one command, then the page, its
// config and the local chain answer on loopback, the hub is up, and Ctrl-C stops it all.
// (What the page does is tests/browser/app.test.ts; this is the command itself.)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const VITE_NODE = join(process.cwd(), 'node_modules', '.bin', 'vite-node');
let proc: ReturnType<typeof spawn> | null = null;

afterAll(() => {
  // a failed run: the command's whole group (the hub process too)
  if (proc?.pid !== undefined) process.kill(-proc.pid, 'SIGKILL');
});

describe('npm run app', () => {
  it('starts the chain, the hub and the page on free ports, prints how to connect a wallet, and stops on SIGINT', async () => {
    proc = spawn(VITE_NODE, ['client/bin/app.ts', '--', '--port', '0', '--chain-port', '0', '--no-minify'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((ok) => proc!.once('exit', (code) => ok(code)));
    const ready = await Promise.race([
      new Promise<true>((ok) => proc!.stdout!.on('data', () => out.includes('Ctrl-C stops') && ok(true))),
      exited.then((code) => new Error(`npm run app exited (${code}) before it was ready:\n${out}`)),
    ]);
    if (ready instanceof Error) throw ready;
    const page = /BitStream dApp\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    const chain = /local chain\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(page, out).toBeDefined();
    expect(chain, out).toBeDefined();
    expect(out).toContain('Settings › Network');
    expect(out).toMatch(/wallet_1\s+ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5/);

    const html = await (await fetch(page!)).text();
    expect(html).toContain('<title>BitStream');
    const config = (await (await fetch(`${page}config.json`)).json()) as { chainUrl: string; hubUrl: string; tokens: { symbol: string }[] };
    expect(config).toMatchObject({ chainUrl: chain, hubUrl: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/) as string });
    expect(config.tokens.map((t) => t.symbol)).toEqual(['STX', 'sBTC']);
    // the script the page loads is there, and the chain answers the page's origin
    const script = /src="(\.\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect((await fetch(new URL(script!, page)).then((r) => r.status))).toBe(200);
    const info = await fetch(`${chain}/v2/info`, { headers: { origin: page!.slice(0, -1) } });
    expect(info.headers.get('access-control-allow-origin')).toBe('*');

    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    // nothing left listening
    await expect(fetch(page!)).rejects.toThrow();
    proc = null;
  });
});
