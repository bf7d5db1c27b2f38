// The file format of one cache entry. A fixed header (magic, format version,
// checksum, total length), a table of sections, the entry serialised with V8's
// structured serialisation, then each large binary view of the value (Arrow IPC
// bytes, column buffers) as a raw section, 64-byte aligned. Reading verifies the
// length and the checksum first, then hands back large views as views of the
// file's own bytes: a cached Arrow table reloads without a copy.
//
//   0  "HTSCACHE"            8  u32 format (1)       12 u32 checksum kind
//   16 checksum (32 bytes)   48 u64 file length      56 u32 header length
//   60 u32 section count     64 sections: u64 offset, u64 length each
//   then the V8 header, then the sections; the checksum covers bytes 48..end.

import { createHash } from "node:crypto";
import v8 from "node:v8";
import zlib from "node:zlib";

const MAGIC = Buffer.from("HTSCACHE", "latin1");
const FORMAT = 1;
const FIXED = 64;
const ALIGN = 64;
/** Views at least this large are written as raw sections (read back without a copy). */
const SECTION_MIN_BYTES = 4096;

const enum Checksum {
  Crc32 = 1,
  Sha256 = 2,
}

// zlib.crc32 arrived in Node 20.15; SHA-256 where it is missing (the kind is recorded, so both read everywhere)
const crc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const CHECKSUM: Checksum = crc32 ? Checksum.Crc32 : Checksum.Sha256;

function checksum(kind: number, parts: readonly Uint8Array[]): Buffer {
  const out = Buffer.alloc(32);
  if (kind === Checksum.Crc32 && crc32) {
    let c = 0;
    for (const p of parts) c = crc32(p, c);
    out.writeUInt32LE(c >>> 0, 0);
    return out;
  }
  if (kind === Checksum.Sha256) {
    const h = createHash("sha256");
    for (const p of parts) h.update(p);
    return h.digest();
  }
  throw new Error(`unknown checksum kind ${kind}`);
}

// view types, by the code written for them; Buffer stays a Buffer
const VIEWS: ReadonlyArray<{ new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT?: number }> = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
  BigInt64Array, BigUint64Array, DataView as never,
];
const BUFFER_CODE = 100;

function codeOf(view: ArrayBufferView): number {
  const proto = Object.getPrototypeOf(view) as object;
  if (proto === Buffer.prototype) return BUFFER_CODE;
  const i = VIEWS.findIndex((c) => c.prototype === proto);
  if (i < 0) throw new TypeError(`cannot store ${view.constructor?.name ?? "this view"}: only built-in typed arrays, DataView and Buffer`);
  return i;
}

function viewOf(code: number, buffer: ArrayBufferLike, byteOffset: number, byteLength: number): ArrayBufferView {
  if (code === BUFFER_CODE) return Buffer.from(buffer as ArrayBuffer, byteOffset, byteLength);
  const ctor = VIEWS[code];
  if (!ctor) throw new Error(`unknown view type ${code}`);
  const size = ctor.BYTES_PER_ELEMENT ?? 1;
  if (byteOffset % size !== 0) {
    // unaligned for its element type: copy (never happens for sections, which are aligned)
    const copy = new Uint8Array(byteLength);
    copy.set(new Uint8Array(buffer, byteOffset, byteLength));
    return new ctor(copy.buffer, 0, byteLength / size);
  }
  return new ctor(buffer, byteOffset, ctor === (DataView as never) ? byteLength : byteLength / size);
}

class EntrySerializer extends v8.Serializer {
  readonly sections: Uint8Array[] = [];
  constructor() {
    super();
    // Node's own DefaultSerializer does this: typed arrays and DataViews go through _writeHostObject
    (this as unknown as { _setTreatArrayBufferViewsAsHostObjects(on: boolean): void })._setTreatArrayBufferViewsAsHostObjects(true);
  }
  /** Called by V8 for every ArrayBufferView (see @types/node: not declared there). */
  _writeHostObject(object: object): void {
    const view = object as ArrayBufferView;
    const code = codeOf(view);
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    if (bytes.byteLength >= SECTION_MIN_BYTES) {
      this.writeUint32(1);
      this.writeUint32(code);
      this.writeUint32(this.sections.length);
      this.sections.push(bytes);
    } else {
      this.writeUint32(0);
      this.writeUint32(code);
      this.writeUint32(bytes.byteLength);
      this.writeRawBytes(bytes);
    }
  }
}

class EntryDeserializer extends v8.Deserializer {
  constructor(
    header: Buffer,
    private readonly file: Buffer,
    private readonly sections: ReadonlyArray<readonly [number, number]>,
  ) {
    super(header);
  }
  /** Called by V8 for every host object the serializer wrote. */
  _readHostObject(): unknown {
    const kind = this.readUint32();
    const code = this.readUint32();
    if (kind === 1) {
      const section = this.sections[this.readUint32()];
      if (!section) throw new Error("a section index is out of range");
      return viewOf(code, this.file.buffer, this.file.byteOffset + section[0], section[1]);
    }
    const length = this.readUint32();
    const raw = this.readRawBytes(length);
    const copy = new Uint8Array(length);
    copy.set(raw);
    return viewOf(code, copy.buffer, 0, length);
  }
}

/** The pieces of an entry file, in order (written with one writev, never concatenated). */
export function encodeEntry(record: unknown): Uint8Array[] {
  const s = new EntrySerializer();
  s.writeHeader();
  s.writeValue(record);
  const header = s.releaseBuffer();
  const table = Buffer.alloc(s.sections.length * 16);
  let at = FIXED + table.length + header.length;
  const pieces: Uint8Array[] = [table, header];
  s.sections.forEach((section, i) => {
    const pad = (ALIGN - (at % ALIGN)) % ALIGN;
    if (pad > 0) pieces.push(Buffer.alloc(pad));
    at += pad;
    table.writeBigUInt64LE(BigInt(at), i * 16);
    table.writeBigUInt64LE(BigInt(section.byteLength), i * 16 + 8);
    pieces.push(section);
    at += section.byteLength;
  });
  const fixed = Buffer.alloc(FIXED);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(FORMAT, 8);
  fixed.writeUInt32LE(CHECKSUM, 12);
  fixed.writeBigUInt64LE(BigInt(at), 48);
  fixed.writeUInt32LE(header.length, 56);
  fixed.writeUInt32LE(s.sections.length, 60);
  checksum(CHECKSUM, [fixed.subarray(48), ...pieces]).copy(fixed, 16);
  return [fixed, ...pieces];
}

/** Read an entry file's bytes back; throws, saying why, when they are not a complete, intact entry. */
export function decodeEntry(file: Buffer): unknown {
  if (file.length < FIXED) throw new Error(`truncated (${file.length} bytes)`);
  if (!file.subarray(0, 8).equals(MAGIC)) throw new Error("not a hamilton-ts cache entry");
  const format = file.readUInt32LE(8);
  if (format !== FORMAT) throw new Error(`written in format ${format}; this version reads format ${FORMAT}`);
  const length = Number(file.readBigUInt64LE(48));
  if (length !== file.length) throw new Error(`truncated or overlong (${file.length} bytes, expected ${length})`);
  const expected = file.subarray(16, 48);
  if (!checksum(file.readUInt32LE(12), [file.subarray(48)]).equals(expected)) throw new Error("checksum mismatch");
  const headerLength = file.readUInt32LE(56);
  const count = file.readUInt32LE(60);
  const headerStart = FIXED + count * 16;
  if (headerStart + headerLength > file.length) throw new Error("header out of bounds");
  const sections: Array<readonly [number, number]> = [];
  for (let i = 0; i < count; i++) {
    const offset = Number(file.readBigUInt64LE(FIXED + i * 16));
    const size = Number(file.readBigUInt64LE(FIXED + i * 16 + 8));
    if (offset + size > file.length) throw new Error("section out of bounds");
    sections.push([offset, size]);
  }
  const d = new EntryDeserializer(file.subarray(headerStart, headerStart + headerLength), file, sections);
  d.readHeader();
  return d.readValue();
}
