// The contracts of a Clarinet.toml, in file order: name, source path, Clarity version and
// epoch. A small reader of the TOML subset Clarinet writes (tables, `key = value` with
// strings, numbers, booleans and one-line arrays, `#` comments), so the deploy tool
// needs no TOML dependency; inside a `[contracts.<name>]` table anything it cannot read
// is an error with its line number, other tables are skipped. No I/O: callers pass text.
import { DeployError } from './errors.js';

export interface ManifestContract {
  readonly name: string;
  /** relative to the manifest's directory */
  readonly path: string;
  readonly clarityVersion: number;
  /** e.g. "3.3", as written */
  readonly epoch: string;
}

type Scalar = string | number | boolean | Scalar[];

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
/** Clarity's contract-name rule (the same as the codec's). */
const CONTRACT_NAME = /^[a-zA-Z]([a-zA-Z0-9]|[-_])*$/;

function fail(line: number, message: string): never {
  throw new DeployError('DEPLOY_MANIFEST', `Clarinet.toml line ${line}: ${message}`, { details: { line } });
}

/** Strip a trailing `# comment` that is not inside a string. */
function stripComment(text: string): string {
  let inString: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString === '"' && c === '\\') i++;
    else if (inString !== null && c === inString) inString = null;
    else if (inString === null && (c === '"' || c === "'")) inString = c;
    else if (inString === null && c === '#') return text.slice(0, i);
  }
  return text;
}

function parseKey(raw: string, line: number): string {
  const k = raw.trim();
  if (/^"[^"\\]*"$/.test(k)) return k.slice(1, -1);
  if (!BARE_KEY.test(k)) fail(line, `bad key ${k}`);
  return k;
}

function parseValue(raw: string, line: number): Scalar {
  const v = raw.trim();
  if (/^"([^"\\]|\\.)*"$/.test(v)) return JSON.parse(v) as string;
  if (/^'[^']*'$/.test(v)) return v.slice(1, -1);
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^[+-]?[0-9](_?[0-9])*(\.[0-9](_?[0-9])*)?$/.test(v)) return Number(v.replace(/_/g, ''));
  if (v.startsWith('[') && v.endsWith(']')) {
    const inner = v.slice(1, -1).trim();
    if (inner === '') return [];
    return inner.split(',').filter((s) => s.trim() !== '').map((s) => parseValue(s, line));
  }
  return fail(line, `cannot read value ${v}`);
}

/** Every `[contracts.<name>]` table of a Clarinet.toml, in file order. */
export function parseManifest(text: string): ManifestContract[] {
  const tables = new Map<string, { line: number; values: Map<string, { value: Scalar; line: number }> }>();
  let current: Map<string, { value: Scalar; line: number }> | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const t = stripComment(lines[i]!).trim();
    if (t === '') continue;
    const header = /^\[([^\[\]]+)\]$/.exec(t);
    if (header) {
      const parts = header[1]!.split('.');
      if (parts[0]!.trim() === 'contracts') {
        if (parts.length !== 2) fail(n, `expected [contracts.<name>], found [${header[1]}]`);
        const name = parseKey(parts[1]!, n);
        if (!CONTRACT_NAME.test(name) || name.length > 128) fail(n, `not a Clarity contract name: ${name}`);
        if (tables.has(name)) fail(n, `contract ${name} listed twice`);
        current = new Map();
        tables.set(name, { line: n, values: current });
      } else {
        current = null; // [project], [repl.*] …: not the deploy tool's business
      }
      continue;
    }
    if (current === null) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) fail(n, `expected key = value, found ${t}`);
    current.set(parseKey(t.slice(0, eq), n), { value: parseValue(t.slice(eq + 1), n), line: n });
  }

  return [...tables].map(([name, { line, values }]) => {
    const path = values.get('path');
    if (path === undefined || typeof path.value !== 'string' || path.value === '') fail(line, `contract ${name} has no path`);
    const version = values.get('clarity_version');
    if (version === undefined || typeof version.value !== 'number' || !Number.isInteger(version.value)) {
      fail(version?.line ?? line, `contract ${name} needs an integer clarity_version`);
    }
    const epoch = values.get('epoch');
    if (epoch === undefined || (typeof epoch.value !== 'number' && typeof epoch.value !== 'string')) {
      fail(epoch?.line ?? line, `contract ${name} needs an epoch`);
    }
    const epochText = typeof epoch.value === 'number' && Number.isInteger(epoch.value) ? epoch.value.toFixed(1) : String(epoch.value);
    return { name, path: path.value as string, clarityVersion: version.value as number, epoch: epochText };
  });
}
