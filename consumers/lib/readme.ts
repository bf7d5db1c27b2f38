// Code blocks of a package README: the consumer tests do what the README says, not what we remember it says.
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);

/** The text of `README.md` of `packages/<dir>` (or the root README for "."). */
export function readme(dir: string): string {
  return readFileSync(new URL(dir === "." ? "README.md" : `packages/${dir}/README.md`, root), "utf8");
}

/**
 * The code blocks of language `lang` under the heading that starts with
 * `heading` (any level), up to the next heading of the same or a higher level.
 */
export function blocksUnder(markdown: string, heading: string, lang: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => /^#{1,6} /.test(l) && l.replace(/^#+ /, "").startsWith(heading));
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  let end = lines.findIndex((l, i) => i > start && /^#{1,6} /.test(l) && /^#+/.exec(l)![0].length <= level);
  if (end < 0) end = lines.length;
  const section = lines.slice(start + 1, end).join("\n");
  const blocks = [...section.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
  if (blocks.length === 0) throw new Error(`README has no \`\`\`${lang} block under "${heading}"`);
  return blocks;
}

/** The one `npm install …` line of a README section, as words. */
export function npmInstallCommand(markdown: string, heading: string): string[] {
  const line = blocksUnder(markdown, heading, "sh")
    .flatMap((b) => b.split("\n"))
    .find((l) => /^npm (install|i) /.test(l.trim()));
  if (!line) throw new Error(`README has no "npm install" line under "${heading}"`);
  return line.replace(/#.*$/, "").trim().split(/\s+/);
}
