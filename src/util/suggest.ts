// "Did you mean" for misspelt names (fields, regions, operators). One edit distance for the whole
// codebase; two ways to pick a candidate, kept apart because their callers' messages already
// depend on them.

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate nearest to a misspelt word (ignoring case; the first on a tie), if it is plausibly a
 * typo: at most 2 edits, or a quarter of the word's length when that is more.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

/**
 * ` (did you mean "x"?)` or "": the first option equal to the word ignoring case, else the first
 * (in the order given) within 2 edits of it, else the longest option the word starts with
 * ("equals" → "eq"), else the first option starting with the word, of 3 characters or more
 * ("s3-bucket-secure-transport" → "s3-bucket-secure-transport-missing").
 */
export function suggest(word: string, options: readonly string[]): string {
  const lower = word.toLowerCase();
  const prefixes = options
    .filter((o) => o.length >= 2 && lower.startsWith(o.toLowerCase()))
    .sort((a, b) => b.length - a.length);
  const best =
    options.find((o) => o.toLowerCase() === lower) ??
    options.find((o) => editDistance(o.toLowerCase(), lower) <= 2) ??
    prefixes[0] ??
    (lower.length >= 3 ? options.find((o) => o.toLowerCase().startsWith(lower)) : undefined);
  return best ? ` (did you mean "${best}"?)` : "";
}
