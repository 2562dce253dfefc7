// Amounts as people read them: smallest units (bigint) to decimals and back, and short ids.
import type { TokenInfo } from './config.js';

export function formatAmount(units: bigint, t: Pick<TokenInfo, 'decimals' | 'symbol'>): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const scale = 10n ** BigInt(t.decimals);
  const whole = abs / scale;
  const frac = (abs % scale).toString().padStart(t.decimals, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole.toLocaleString('en-US')}${frac === '' ? '' : `.${frac}`} ${t.symbol}`;
}

/** "1.5" in a token's decimals to its smallest units; null if it is not a positive amount that fits. */
export function parseAmount(text: string, t: Pick<TokenInfo, 'decimals'>): bigint | null {
  const m = /^\s*(\d+)(?:\.(\d+))?\s*$/.exec(text);
  if (m === null) return null;
  const frac = m[2] ?? '';
  if (frac.length > t.decimals) return null;
  const units = BigInt(m[1]!) * 10n ** BigInt(t.decimals) + BigInt(frac.padEnd(t.decimals, '0') || '0');
  return units > 0n && units < 2n ** 127n ? units : null;
}

export const shortId = (hex: string) => (hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex);
