import { registerCodec, type Codec } from "@hamilton-ts/kernel/contracts";
import { Table, tableFromIPC, tableToIPC, Vector } from "apache-arrow";

/** The package whose import registers the Arrow codecs (so a worker can load them on demand). */
const MODULE = "@hamilton-ts/results-arrow";

/** IPC stream bytes that own their whole ArrayBuffer, so the buffer can be transferred. */
function ownedIpcBytes(table: Table): Uint8Array {
  const bytes = tableToIPC(table, "stream");
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

function toBytes(data: unknown, id: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`Codec "${id}" expected Arrow IPC bytes (a Uint8Array) but received ${typeof data}; the sender and receiver disagree on the codec.`);
}

/**
 * Codec for Arrow Tables: IPC stream bytes whose ArrayBuffer is transferred (not
 * copied) to a thread, and serialized as bytes to a process or machine. The
 * receiver's Table reads its columns straight from those bytes.
 */
export const arrowTableCodec: Codec<Table> = {
  id: "apache-arrow/table",
  module: MODULE,
  test: (value): value is Table => value instanceof Table,
  encode(table) {
    const bytes = ownedIpcBytes(table);
    return { data: bytes, transfer: [bytes.buffer as ArrayBuffer] };
  },
  decode: (data) => tableFromIPC(toBytes(data, "apache-arrow/table")),
};

const VECTOR_COLUMN = "vector";

/** Codec for Arrow Vectors: sent as a one-column Table (see `arrowTableCodec`). */
export const arrowVectorCodec: Codec<Vector> = {
  id: "apache-arrow/vector",
  module: MODULE,
  test: (value): value is Vector => value instanceof Vector,
  encode(vector) {
    const bytes = ownedIpcBytes(new Table({ [VECTOR_COLUMN]: vector }));
    return { data: bytes, transfer: [bytes.buffer as ArrayBuffer] };
  },
  decode: (data) => tableFromIPC(toBytes(data, "apache-arrow/vector")).getChild(VECTOR_COLUMN) as Vector,
};

registerCodec(arrowTableCodec);
registerCodec(arrowVectorCodec);
