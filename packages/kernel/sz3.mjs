import { build } from "esbuild";
import { gzipSync } from "node:zlib";
const files = process.argv.slice(2);
let total = 0, strs = 0;
for (const f of files) {
  const r = await build({ entryPoints: [f], bundle: true, platform: "browser", format: "esm", minify: true, write: false, logLevel: "silent", external: ["../*", "./*"] });
  const t = r.outputFiles[0].text;
  const s = (t.match(/`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g) ?? []).join("").length;
  total += t.length; strs += s;
  console.log(f, t.length, "strings", s);
}
console.log("total", total, "strings", strs);
