// JSON texts that often repeat a key (few key names, some spelt with escapes, some holding colons),
// for the property tests of every repeated-key check against locateJsonError's character scan.
import { pick, rng } from "./rng.js";

/** `count` objects from `seed`: the same texts on every run. */
export function repeatedKeyTexts(seed: number, count: number): string[] {
  const next = rng(seed);
  const keys = ['"a"', '"\\u0061"', '"b:"', '":"', '"c"'];
  const strings = ['"x"', '"arn:aws:s3:::b"', '"::"', '"\\u003a"', '"\\\\u003a"', '"q\\"uote:"'];
  const value = (depth: number): string => {
    const r = next();
    if (depth > 4 || r < 0.35) return pick(next, [...strings, "1", "true", "null"]);
    const n = Math.floor(next() * 4);
    const parts = Array.from({ length: n }, () => value(depth + 1));
    if (r < 0.5) return `[${parts.join(", ")}]`;
    return `{${parts.map((v) => `${pick(next, keys)}: ${v}`).join(", ")}}`;
  };
  return Array.from(
    { length: count },
    () =>
      `{${Array.from({ length: 1 + Math.floor(next() * 3) }, () => `${pick(next, keys)}: ${value(1)}`).join(", ")}}`,
  );
}
