// Helpers shared by the tests that read the README.

/** The README's example: the ```ts blocks under "A 15-line example", each starting with `// <file>`. */
export function readmeExample(markdown: string): Array<{ file: string; code: string }> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith("A 15-line example"));
  if (!section) throw new Error('README has no "## A 15-line example" section');
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.map((code) => {
    const file = /^\/\/ (\S+\.ts)/.exec(code)?.[1];
    if (!file) throw new Error(`README example block does not start with "// name.ts": ${code.slice(0, 40)}`);
    return { file, code };
  });
}
