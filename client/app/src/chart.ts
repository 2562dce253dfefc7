// Payments over time as an SVG chart: the amount paid in each second of the last minute,
// drawn as bars, with the total and the rate in its label. No chart library: one path.
const SECONDS = 60;

export class PaymentChart {
  private readonly buckets = new Map<number, { amount: bigint; count: number }>();

  add(amount: bigint, at = Date.now()): void {
    const s = Math.floor(at / 1000);
    const b = this.buckets.get(s) ?? { amount: 0n, count: 0 };
    b.amount += amount;
    b.count++;
    this.buckets.set(s, b);
    for (const k of this.buckets.keys()) if (k < s - SECONDS) this.buckets.delete(k);
  }

  /** Payments a second over the last five whole seconds. */
  rate(now = Date.now()): number {
    const s = Math.floor(now / 1000);
    let n = 0;
    for (let i = 1; i <= 5; i++) n += this.buckets.get(s - i)?.count ?? 0;
    return n / 5;
  }

  /** Draw into `svg` (viewBox 0 0 600 160). */
  draw(svg: SVGSVGElement, now = Date.now()): void {
    const s = Math.floor(now / 1000);
    const values: bigint[] = [];
    for (let i = SECONDS - 1; i >= 0; i--) values.push(this.buckets.get(s - i)?.amount ?? 0n);
    const max = values.reduce((m, v) => (v > m ? v : m), 0n);
    const w = 600 / SECONDS;
    let d = '';
    values.forEach((v, i) => {
      if (v === 0n || max === 0n) return;
      const h = Number((v * 1000n) / max) * 0.15;
      d += `M${(i * w + 1).toFixed(1)} 160V${(160 - h).toFixed(1)}h${(w - 2).toFixed(1)}V160Z`;
    });
    const path = svg.querySelector('path');
    if (path !== null) path.setAttribute('d', d);
  }
}
