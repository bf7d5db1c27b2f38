import { build } from "esbuild";
const r = await build({ entryPoints: [process.argv[2]], bundle: true, platform: "browser", format: "esm", minify: true, write: false, logLevel: "silent", external: ["../*", "./*"] });
console.log(r.outputFiles[0].text);
