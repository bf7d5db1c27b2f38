// The seed's map-reduce, in hamilton-ts: url → url_loaded → counts → total_words.
// Every exported function is a node; its parameter names are the nodes it needs.
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { collect, parallelizable } from "@hamilton-ts/kernel";

const DATA_DIR = fileURLToPath(new URL("./data/", import.meta.url));
const STOP_WORDS = new Set(
  "the a an and or but of to in on at by for from with as is was are were be been it its it's that this these those he she they them his her their him i you we our my your not no so if then than there when which who whom what where how all any each every one two three into out up down over under again very only just also would could should will can may might must do does did has have had nobody anyone someone nothing".split(" "),
);

function _words(text) {
  return text.toLowerCase().match(/[a-z']+/g) ?? [];
}

/** One branch per text file in `data_dir` (default: the files shipped with the example). */
export const url = parallelizable((data_dir = DATA_DIR) =>
  readdirSync(data_dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .map((f) => join(data_dir, f)),
);

/** Load one file; `latency_ms` pretends it came over a network. */
export async function url_loaded(url, latency_ms = 0) {
  if (latency_ms > 0) await new Promise((r) => setTimeout(r, latency_ms));
  return readFile(url, "utf8");
}

/** Words in one file. */
export function counts(url_loaded) {
  return _words(url_loaded).length;
}

/** The most frequent word of one file that is not a stop word. */
export function top_word(url_loaded) {
  const freq = new Map();
  for (const w of _words(url_loaded)) if (!STOP_WORDS.has(w) && w.length > 2) freq.set(w, (freq.get(w) ?? 0) + 1);
  let best = "";
  for (const [w, n] of freq) if (n > (freq.get(best) ?? 0) || (n === freq.get(best) && w < best)) best = w;
  return best;
}

/** Words across every file. */
export const total_words = collect("counts", (counts) => counts.reduce((a, b) => a + b, 0));

/** Per-file columns, in file order: name, words, top word. */
export const file = collect("url", (url) => url.map((u) => basename(u)));
export const words = collect("counts", (counts) => counts);
export const top_words = collect("top_word", (top_word) => top_word);
