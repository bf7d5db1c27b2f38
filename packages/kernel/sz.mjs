import { build } from "esbuild";
import { gzipSync } from "node:zlib";
const r = await build({ entryPoints: [process.argv[2] ?? "src/index.ts"], bundle: true, platform: "browser", format: "esm", minify: true, write: false, metafile: true, logLevel: "silent" });
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
for (const [f, i] of rows.slice(0, 40)) console.log(String(i.bytesInOutput).padStart(7), f);
console.log("gz", gzipSync(r.outputFiles[0].contents).length, "min", r.outputFiles[0].contents.length);
