// What the CLI prints: aligned tables for people, the API's JSON as it is for scripts
// (--json), and amounts with thousands separators.
export function table(rows: readonly Record<string, unknown>[], columns: readonly (readonly [key: string, title: string])[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map(([k]) => cell(r[k])));
  const widths = columns.map(([, t], i) => Math.max(t.length, ...cells.map((c) => c[i]!.length)));
  const line = (xs: readonly string[]) => xs.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map(([, t]) => t)), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Key: value lines for one object. */
export function fields(o: Record<string, unknown>): string {
  const w = Math.max(...Object.keys(o).map((k) => k.length));
  return Object.entries(o).map(([k, v]) => `${k.padEnd(w)}  ${typeof v === 'object' && v !== null ? JSON.stringify(v) : cell(v)}`).join('\n');
}

/** An amount in the token's smallest unit, with thousands separators. */
export function amount(v: unknown): string {
  return typeof v === 'string' && /^[0-9]+$/.test(v) ? BigInt(v).toLocaleString('en-US') : String(v);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string' && /^[0-9]{4,}$/.test(v)) return BigInt(v).toLocaleString('en-US');
  return String(v);
}
