// The demo's voice: step headings, indented lines, and the payment stream's progress
// bar with its payments/s (redrawn in place on a terminal, a line per tenth otherwise).
// Quiet mode says nothing. It only formats and writes text.

export interface NarratorOptions {
  readonly quiet: boolean;
  readonly write: (text: string) => void;
  /** redraw the bar in place (a terminal); otherwise print a line per 10 % */
  readonly inPlace: boolean;
}

const BAR = 30;

export class Narrator {
  private lastTenth = -1;
  private barOpen = false;

  constructor(private readonly o: NarratorOptions) {}

  step(index: number, total: number, title: string): void {
    this.out(`\n[${index}/${total}] ${title}\n`);
  }

  line(text: string): void {
    this.out(`      ${text}\n`);
  }

  /** The stream's progress: `done` of `total` payments after `ms`. */
  progress(done: number, total: number, ms: number): void {
    if (this.o.quiet) return;
    const rate = ms > 0 ? Math.round((done * 1000) / ms) : 0;
    const filled = Math.round((done / total) * BAR);
    const text = `      [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} payments, ${rate.toLocaleString('en-US')}/s`;
    if (this.o.inPlace) {
      this.o.write(`\r${text}\x1b[K`); // clear what a longer line left
      this.barOpen = true;
      return;
    }
    const tenth = Math.floor((done * 10) / total);
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth;
      this.o.write(`${text}\n`);
    }
  }

  endProgress(): void {
    if (this.barOpen) this.o.write('\n');
    this.barOpen = false;
    this.lastTenth = -1;
  }

  /** Raw text (the summary table), unless quiet. */
  out(text: string): void {
    if (!this.o.quiet) this.o.write(text);
  }
}
