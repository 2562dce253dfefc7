// Chooses the secp256k1 backend the client signs and verifies with. Each backend is
// loaded by dynamic import inside a try, so a missing package or addon (or a browser)
// just leaves it out; noble (pure JS) is always there. The automatic choice measures
// the available backends once, at first use, and is cached; an explicit choice (option
// or BITSTREAM_CRYPTO=noble|native|wasm) must load or it is an error.
import { BACKEND_NAMES, BackendUnavailableError, type BackendName, type CryptoBackend } from './backend.js';
import { InvalidInputError } from '../errors/errors.js';
import { passesKnownAnswers } from './known-answer.js';
import { processEnv } from '../config/process-env.js';

export type BackendLoader = () => Promise<CryptoBackend>;
export type BackendLoaders = Readonly<Record<BackendName, BackendLoader>>;

// A browser bundler cannot build the native backend (node:module) nor, in Vite, the WASM
// one (tiny-secp256k1 imports its .wasm as an ES module), and would fail the whole page.
// Their specifiers are computed so bundlers leave them out; Node loads them as usual, and
// in a browser the import fails and the backend is simply unavailable.
const nodeOnly = <T>(specifier: string): Promise<T> => import(/* @vite-ignore */ specifier) as Promise<T>;

export const DEFAULT_LOADERS: BackendLoaders = {
  noble: async () => (await import('./noble.js')).nobleBackend,
  native: async () => (await nodeOnly<typeof import('./native.js')>('./native.js')).loadNativeBackend(),
  wasm: async () => (await nodeOnly<typeof import('./wasm.js')>('./wasm.js')).loadWasmBackend(),
};

export const ENV_VAR = 'BITSTREAM_CRYPTO';

export function parseBackendName(value: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new InvalidInputError('CRYPTO_BACKEND_NAME', `unknown crypto backend "${value}"`, {
    details: { value, allowed: BACKEND_NAMES },
  });
}

/** Load one backend and check it against the known answers; BackendUnavailableError if it cannot. */
export async function loadBackend(name: BackendName, loaders: BackendLoaders = DEFAULT_LOADERS): Promise<CryptoBackend> {
  let backend: CryptoBackend;
  try {
    backend = await loaders[name]();
  } catch (e) {
    throw new BackendUnavailableError(name, e);
  }
  let ok = false;
  try {
    ok = passesKnownAnswers(backend);
  } catch (e) {
    throw new BackendUnavailableError(name, e);
  }
  if (!ok) throw new BackendUnavailableError(name, new Error('known-answer test failed'));
  return backend;
}

export interface Measurement {
  readonly name: BackendName;
  /** sign + recover pairs per second in the quick measurement */
  readonly opsPerSecond: number;
}

export interface Selection {
  readonly backend: CryptoBackend;
  readonly measured: readonly Measurement[];
  readonly unavailable: readonly { name: BackendName; error: BackendUnavailableError }[];
}

/** Measure sign+recover for about `budgetMs` each; more is better. */
function measure(backend: CryptoBackend, budgetMs: number): number {
  const key = new Uint8Array(32).fill(7);
  const hash = new Uint8Array(32);
  const start = performance.now();
  let ops = 0;
  let elapsed = 0;
  do {
    hash[0] = ops & 0xff;
    backend.recover(hash, backend.sign(hash, key));
    ops++;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return (ops * 1000) / elapsed;
}

/** Load every backend that is there and pick the fastest by a quick measurement. */
export async function fastestBackend(loaders: BackendLoaders = DEFAULT_LOADERS, budgetMs = 15): Promise<Selection> {
  const loaded: CryptoBackend[] = [];
  const unavailable: { name: BackendName; error: BackendUnavailableError }[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      loaded.push(await loadBackend(name, loaders));
    } catch (e) {
      if (!(e instanceof BackendUnavailableError)) throw e;
      unavailable.push({ name, error: e });
    }
  }
  if (loaded.length === 0) throw new BackendUnavailableError('any', unavailable.map((u) => u.error));
  for (const b of loaded) measure(b, 2); // warm up (JIT, WASM instantiation, noble's tables)
  const measured = loaded.map((b) => ({ name: b.name, opsPerSecond: measure(b, budgetMs) }));
  const best = measured.reduce((a, b) => (b.opsPerSecond > a.opsPerSecond ? b : a));
  return { backend: loaded.find((b) => b.name === best.name)!, measured, unavailable };
}

export interface SelectOptions {
  /** force a backend; overrides the environment */
  readonly backend?: BackendName;
  /** where to read BITSTREAM_CRYPTO; defaults to process.env on Node, nothing elsewhere */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

let automatic: Promise<Selection> | null = null;
const explicit = new Map<BackendName, Promise<CryptoBackend>>();

/**
 * The backend to use: the one named by `opts.backend` or BITSTREAM_CRYPTO if set, else
 * the fastest available one (measured once per process).
 */
export async function selectBackend(opts: SelectOptions = {}): Promise<CryptoBackend> {
  const fromEnv = (opts.env ?? processEnv())[ENV_VAR];
  const wanted = opts.backend ?? (fromEnv ? parseBackendName(fromEnv) : undefined);
  if (wanted !== undefined) {
    let p = explicit.get(wanted);
    if (!p) {
      p = loadBackend(wanted);
      explicit.set(wanted, p);
      p.catch(() => explicit.delete(wanted)); // a failed load may be retried
    }
    return p;
  }
  automatic ??= fastestBackend();
  return (await automatic).backend;
}

/** The automatic selection with its measurements (runs it if it has not run yet). */
export async function automaticSelection(): Promise<Selection> {
  automatic ??= fastestBackend();
  return automatic;
}
