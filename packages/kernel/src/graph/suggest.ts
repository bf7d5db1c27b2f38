// "Did you mean …": the closest known names to a misspelt one, for error messages.

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), capped at `max + 1`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Up to `limit` names among `candidates` close to `name` (case-insensitive,
 * at most a third of its length in edits), closest first.
 */
function closestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = name.toLowerCase();
  const max = Math.max(1, Math.floor(name.length / 3));
  const found: Array<[string, number]> = [];
  for (const c of candidates) {
    if (c === name) continue;
    const d = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase(), max);
    if (d <= max) found.push([c, d]);
  }
  found.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1));
  return found.slice(0, limit).map(([c]) => c);
}

/** `did you mean "a" or "b"?` for a message, or undefined when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const close = closestNames(name, candidates);
  if (close.length === 0) return undefined;
  const quoted = close.map((c) => `"${c}"`);
  return `did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`}?`;
}
