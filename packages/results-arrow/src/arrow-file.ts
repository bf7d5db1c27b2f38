import { readFile, writeFile } from "node:fs/promises";
import { tableFromIPC, tableToIPC, type Table } from "apache-arrow";

/**
 * Write a Table as an Arrow IPC file (`.arrow`, the random-access "file" format
 * that pyarrow, DuckDB and Polars read).
 *
 * @example
 * await writeArrowFile("out.arrow", (await dr.execute(["a", "b"])) as Table);
 */
export async function writeArrowFile(path: string | URL, table: Table): Promise<void> {
  await writeFile(path, tableToIPC(table, "file"));
}

/**
 * Read an Arrow IPC file (or stream) back into a Table.
 *
 * @example
 * const table = await readArrowFile("out.arrow");
 */
export async function readArrowFile(path: string | URL): Promise<Table> {
  const bytes = await readFile(path);
  const problem = isArrowIpc(bytes) ? undefined : "it starts with neither the Arrow file magic (ARROW1) nor an IPC stream message";
  try {
    if (!problem) return tableFromIPC(bytes);
  } catch (error) {
    throw new Error(`Could not read "${String(path)}" as an Arrow IPC file: ${(error as Error).message}.`, { cause: error });
  }
  throw new Error(`Could not read "${String(path)}" as an Arrow IPC file: ${problem}. Write it with writeArrowFile (or pyarrow's ipc.new_file).`);
}

// apache-arrow reads unrecognised bytes as an empty Table, so check the framing first.
function isArrowIpc(bytes: Uint8Array): boolean {
  const fileMagic = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
  if (bytes.length >= 6 && fileMagic.every((b, i) => bytes[i] === b)) return true;
  return bytes.length >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
}
