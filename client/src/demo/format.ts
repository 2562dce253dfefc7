// Number and table formatting for the narration and the summary: µSTX as STX, sats as
// sBTC, signed deltas, and a plain-text table with aligned columns. Pure.

export function fmtStx(micro: bigint): string {
  return fmtUnits(micro, 6);
}

export function fmtSbtc(sats: bigint): string {
  return fmtUnits(sats, 8);
}

/** With an explicit sign, for deltas. */
export function fmtSigned(v: bigint, fmt: (v: bigint) => string): string {
  return v > 0n ? `+${fmt(v)}` : fmt(v);
}

function fmtUnits(v: bigint, decimals: number): string {
  const abs = v < 0n ? -v : v;
  const unit = 10n ** BigInt(decimals);
  const frac = (abs % unit).toString().padStart(decimals, '0').replace(/0+$/, '');
  const whole = (abs / unit).toLocaleString('en-US');
  return `${v < 0n ? '-' : ''}${whole}${frac === '' ? '' : `.${frac}`}`;
}

/** Columns right-aligned except the first; a rule under the header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
