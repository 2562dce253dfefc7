// The invoice's byte layout primitives: big-endian integers of fixed width and strings
// with a one-byte length. The reader throws on any overrun, so a truncated invoice is
// refused at the field it cuts, never read past its end.
import { InvoiceCode, InvoiceError } from './errors.js';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  raw(b: Uint8Array): this {
    this.parts.push(Uint8Array.from(b));
    this.length += b.length;
    return this;
  }

  /** an unsigned integer of `width` bytes, big-endian */
  uint(x: bigint | number, width: number): this {
    let v = BigInt(x);
    if (v < 0n || v >= 1n << BigInt(8 * width)) throw new InvoiceError(InvoiceCode.Malformed, `${x} does not fit ${width} bytes`);
    const out = new Uint8Array(width);
    for (let i = width - 1; i >= 0; i--) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return this.raw(out);
  }

  /** a UTF-8 string of at most 255 bytes, after its length */
  text(s: string, field: string): this {
    const b = utf8.encode(s);
    if (b.length > 255) throw new InvoiceError(InvoiceCode.Malformed, `${field} is over 255 bytes`);
    return this.uint(b.length, 1).raw(b);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export class ByteReader {
  at = 0;
  constructor(private readonly b: Uint8Array) {}

  raw(n: number, field: string): Uint8Array {
    if (this.at + n > this.b.length) throw new InvoiceError(InvoiceCode.Malformed, `invoice ends inside ${field}`);
    const out = this.b.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  uint(width: number, field: string): bigint {
    let v = 0n;
    for (const byte of this.raw(width, field)) v = (v << 8n) | BigInt(byte);
    return v;
  }

  text(field: string): string {
    const n = Number(this.uint(1, field));
    try {
      return fromUtf8.decode(this.raw(n, field));
    } catch (cause) {
      if (cause instanceof InvoiceError) throw cause;
      throw new InvoiceError(InvoiceCode.Malformed, `${field} is not UTF-8`, { cause });
    }
  }

  get done(): boolean {
    return this.at === this.b.length;
  }
}
