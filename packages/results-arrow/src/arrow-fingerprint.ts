import { registerFingerprint, type Fingerprinter } from "@hamilton-ts/kernel/contracts";
import { DataType, Table, Vector, type Data, type Field } from "apache-arrow";
// The assembler is what Arrow's IPC writer uses to cut each column into the
// buffers of its logical window (offsets rebased, bitmaps re-packed, views
// trimmed) without copying aligned data. Fingerprinting those buffers makes a
// Table and its IPC round trip fingerprint alike, which the cache checks on
// every hit. Not part of Arrow's documented API, hence the pinned major version.
import { VectorAssembler } from "apache-arrow/visitor/vectorassembler";

// What the fingerprint is made of, per Table: the schema (names, types,
// nullability, metadata) and, per record batch, each column's field nodes
// (length, null count) and buffers, then its dictionaries. Buffers are handed
// to the kernel as byte views, which it digests natively, 4 MiB at a time.
// Everything is built fresh on each call, so no two places share an object
// (shared objects fingerprint as references, and IPC does not keep sharing).
// Batch boundaries count: the same rows in other batches are another
// fingerprint (a miss, never a false hit).

interface TypeWithExtras {
  readonly children?: readonly Field[];
  readonly isOrdered?: boolean;
  readonly typeIds?: ArrayLike<number>;
  readonly keysSorted?: boolean;
  readonly dictionary?: DataType;
}

function typeOf(type: DataType): unknown {
  const t = type as DataType & TypeWithExtras;
  return [
    t.typeId,
    String(t), // widths, units, time zones, precision and scale, list sizes
    t.isOrdered ?? null,
    t.typeIds ? Array.from(t.typeIds) : null,
    t.keysSorted ?? null,
    (t.children ?? []).map(fieldOf),
    DataType.isDictionary(t) ? typeOf(t.dictionary) : null,
  ];
}

function metadataOf(metadata: ReadonlyMap<string, string> | undefined): string[][] {
  return [...(metadata ?? new Map<string, string>())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function fieldOf(field: Field): unknown {
  return [field.name, field.nullable, metadataOf(field.metadata), typeOf(field.type)];
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function dictionariesOf(data: Data, out: unknown[]): unknown[] {
  if (DataType.isDictionary(data.type) && data.dictionary) out.push(vectorBuffers(data.dictionary));
  for (const child of data.children) dictionariesOf(child, out);
  return out;
}

/** The buffers of some columns (a vector, or a batch's columns), as the IPC writer would cut them. */
function assembled(parts: Vector | Parameters<typeof VectorAssembler.assemble>[0], datas: readonly Data[]): unknown {
  const a = VectorAssembler.assemble(parts);
  const dictionaries: unknown[] = [];
  for (const d of datas) dictionariesOf(d, dictionaries);
  return {
    nodes: a.nodes.map((n) => [Number(n.length), Number(n.nullCount)]),
    buffers: a.buffers.map(bytesOf),
    dictionaries,
  };
}

function vectorBuffers(vector: Vector): unknown {
  // one entry per chunk, so chunk boundaries are part of the value
  return vector.data.map((d) => assembled(new Vector([d]), [d]));
}

/** Fingerprints an Arrow Table by schema and buffers (see above). */
export const arrowTableFingerprint: Fingerprinter<Table> = {
  id: "apache-arrow/table",
  test: (value): value is Table => value instanceof Table,
  fingerprint: (table) => ({
    fields: table.schema.fields.map(fieldOf),
    metadata: metadataOf(table.schema.metadata),
    batches: table.batches.map((batch) => ({ rows: batch.numRows, columns: assembled(batch, batch.data.children) })),
  }),
};

/** Fingerprints an Arrow Vector by type and buffers, chunk by chunk. */
export const arrowVectorFingerprint: Fingerprinter<Vector> = {
  id: "apache-arrow/vector",
  test: (value): value is Vector => value instanceof Vector,
  fingerprint: (vector) => ({ type: typeOf(vector.type), chunks: vectorBuffers(vector) }),
};

registerFingerprint(arrowTableFingerprint);
registerFingerprint(arrowVectorFingerprint);
