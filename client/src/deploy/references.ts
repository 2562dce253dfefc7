// Which contracts a Clarity source refers to: every local contract principal `.name`
// (in `contract-call?`, `use-trait`, `impl-trait`, or as a value) and every full
// contract principal `'ADDRESS.name`. Comments and string literals are removed first so
// that a `.name` in a comment or a string is not a dependency. Pure text, no I/O.

export interface References {
  /** `.name`: contracts of the same deployer, which must be deployed first */
  readonly local: readonly string[];
  /** `'ADDRESS.name`: contracts that must already exist on the target chain */
  readonly absolute: readonly string[];
}

/** The source with comments and string literals blanked out (same length, same lines). */
export function codeOnly(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ';' && source[i + 1] === ';') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
      const stop = Math.min(j + 1, source.length);
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const NAME = '[a-zA-Z](?:[a-zA-Z0-9]|[-_])*';
// `.name` not preceded by a name character (that would be the trait part of `.c.trait`
// or of `'ADDR.c.trait`) nor by an address (`'ADDR.name` is absolute)
const LOCAL = new RegExp(`(?<![A-Za-z0-9_\\-.'])\\.(${NAME})`, 'g');
const ABSOLUTE = new RegExp(`'(S[0-9A-Z]{28,40})\\.(${NAME})`, 'g');

export function contractReferences(source: string): References {
  const code = codeOnly(source);
  const local = new Set<string>();
  const absolute = new Set<string>();
  for (const m of code.matchAll(LOCAL)) local.add(m[1]!);
  for (const m of code.matchAll(ABSOLUTE)) absolute.add(`${m[1]}.${m[2]}`);
  return { local: [...local], absolute: [...absolute] };
}
