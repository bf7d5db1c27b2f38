// Run and type-check a README's "## Example" block inside a consumer project.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { Project } from "./project.js";
import { blocksUnder } from "./readme.js";

const require = createRequire(import.meta.url);
/** The workspace's tsx loader (the example is TypeScript; users run it with tsx too). */
export const tsxLoader = pathToFileURL(require.resolve("tsx")).href;

/** Write the README's example as `example.ts` (with a strict nodenext tsconfig) and return its text. */
export function writeExample(p: Project, markdown: string): string {
  const [code] = blocksUnder(markdown, "Example", "ts");
  p.write("example.ts", code!);
  p.write(
    "tsconfig.example.json",
    JSON.stringify({
      compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", types: ["node"], noEmit: true, skipLibCheck: true },
      include: ["example.ts"],
    }),
  );
  return code!;
}
