const encoder = new TextEncoder();

// `String.prototype.isWellFormed` (ES2024) where present; a lone surrogate otherwise.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Whether a string has no lone surrogate (so UTF-8 carries it exactly). */
export const isWellFormedString: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === "function"
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

/**
 * An append-only byte buffer that grows by doubling: the canonical encoding a
 * fingerprint digests. Every variable-length item is written with its length
 * first, so the encoding of a sequence of items is prefix-free.
 */
export class ByteWriter {
  bytes: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(b: number): void {
    this.reserve(1);
    this.bytes[this.length++] = b;
  }

  /** Unsigned LEB128: lengths, counts and indices. */
  varint(n: number): void {
    this.reserve(10);
    while (n >= 0x80) {
      this.bytes[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.bytes[this.length++] = n;
  }

  /** A tag byte followed by a float64 (NaN written as one canonical NaN; -0 keeps its sign). */
  tagF64(tag: number, x: number): void {
    this.reserve(9);
    this.bytes[this.length] = tag;
    if (x !== x) this.view.setFloat64(this.length + 1, NaN, true);
    else this.view.setFloat64(this.length + 1, x, true);
    this.length += 9;
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /**
   * A string: UTF-8 with its byte length when well formed; otherwise (a lone
   * surrogate, which UTF-8 cannot carry) its UTF-16 code units under another
   * tag, so "\uD800" never encodes like "\uFFFD".
   */
  string(s: string, tagUtf8: number, tagUtf16: number): void {
    const n = s.length;
    if (n < 128) {
      // short ASCII (most keys and labels): its UTF-8 bytes are its code units
      this.reserve(2 + n);
      const bytes = this.bytes;
      let at = this.length + 2;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at++] = c;
      }
      if (i === n) {
        bytes[this.length] = tagUtf8;
        bytes[this.length + 1] = n;
        this.length = at;
        return;
      }
    }
    if (isWellFormedString(s)) {
      this.u8(tagUtf8);
      this.reserve(5 + s.length * 3);
      // the byte length is known only after encoding: a fixed 5-byte LEB128 slot (strings < 4 GiB)
      const start = this.length;
      this.length += 5;
      const { written } = encoder.encodeInto(s, this.bytes.subarray(this.length));
      let n = written;
      for (let i = 0; i < 5; i++) {
        this.bytes[start + i] = (n & 0x7f) | (i < 4 ? 0x80 : 0);
        n >>>= 7;
      }
      this.length += written;
      return;
    }
    this.u8(tagUtf16);
    this.varint(s.length);
    this.reserve(s.length * 2);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.bytes[this.length++] = c & 0xff;
      this.bytes[this.length++] = c >>> 8;
    }
  }

  /** The bytes written so far (a view, valid until the next write). */
  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}
