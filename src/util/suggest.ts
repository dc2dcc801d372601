// "Did you mean": the closest known word to a misspelt one, for error messages.

/** ` (did you mean "x"?)` for a case-insensitive match or one within two edits, else "". */
export function suggest(word: string, options: readonly string[]): string {
  const lower = word.toLowerCase();
  const best =
    options.find((o) => o.toLowerCase() === lower) ??
    options.find((o) => editDistance(o.toLowerCase(), lower) <= 2);
  return best ? ` (did you mean "${best}"?)` : "";
}

/** Levenshtein distance (insertions, deletions and substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
