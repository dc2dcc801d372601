// Whether JSON.parse kept every member of a text: JSON.parse keeps the last of two equal keys and
// drops the other silently, so a document with a repeated key would be read as whichever came
// last. Both the policy parser and the AWS Config item reader refuse such text; this count clears
// almost every text at once, so only the rest pay for a character scan that places the key.

// An escaped colon decodes to a ':' the text does not show, which would upset the count below.
const ESCAPED_COLON = /\\u003a/i;

/**
 * `value`, parsed by JSON.parse from `text`, certainly holds every member the text has (no object
 * repeats a key), and nests no deeper than `maxDepth`. Each member of an object in the text has one
 * ':' after its name and every other ':' is inside a string, so without escaped colons the text's
 * ':' equal the value's members plus the ':' in its keys and strings, and a repeated key leaves the
 * value with fewer. False: maybe not (a repeated key, an escaped colon, nesting past `maxDepth`).
 */
export function keptEveryMember(text: string, value: unknown, maxDepth = Infinity): boolean {
  if (ESCAPED_COLON.test(text)) return false;
  const counted = membersAndColons(value, 1, maxDepth);
  return counted >= 0 && counted === colons(text);
}

function colons(s: string): number {
  let n = 0;
  for (let at = s.indexOf(":"); at >= 0; at = s.indexOf(":", at + 1)) n++;
  return n;
}

/** Members of every object in `v` plus the ':' in its keys and strings; -1 past `maxDepth`. */
function membersAndColons(v: unknown, depth: number, maxDepth: number): number {
  if (typeof v === "string") return v.includes(":") ? colons(v) : 0;
  if (v === null || typeof v !== "object") return 0;
  if (depth > maxDepth) return -1;
  let n = 0;
  if (Array.isArray(v)) {
    for (const item of v) {
      const m = membersAndColons(item, depth + 1, maxDepth);
      if (m < 0) return -1;
      n += m;
    }
    return n;
  }
  for (const key in v) {
    const m = membersAndColons((v as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (m < 0) return -1;
    n += 1 + (key.includes(":") ? colons(key) : 0) + m;
  }
  return n;
}
