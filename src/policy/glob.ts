// IAM wildcard patterns: `*` matches any run of characters (including none), `?` exactly one.
// Everything runs as an NFA over pattern positions instead of a RegExp: no catastrophic
// backtracking on patterns like "a*a*a*a*b", and the same machinery answers set questions
// ("does this pattern cover every kms: action?") exactly instead of by string comparison.

type Pattern = readonly string[];
type States = ReadonlySet<number>;

/** globIncluded gives up (answers false) past this many explored states; real policies stay far below. */
const MAX_EXPLORED = 20_000;

function compile(pattern: string, ignoreCase: boolean): Pattern {
  return Array.from(ignoreCase ? pattern.toLowerCase() : pattern);
}

/** A `*` may match nothing, so being before it also means being after it. */
function close(p: Pattern, states: Set<number>): Set<number> {
  for (const s of states) {
    let t = s;
    while (p[t] === "*") states.add(++t);
  }
  return states;
}

function start(p: Pattern): Set<number> {
  return close(p, new Set([0]));
}

function step(p: Pattern, states: States, ch: string): Set<number> {
  const next = new Set<number>();
  for (const s of states) {
    const t = p[s];
    if (t === "*") next.add(s);
    else if (t === "?" || t === ch) next.add(s + 1);
  }
  return close(p, next);
}

function accepts(p: Pattern, states: States): boolean {
  return states.has(p.length);
}

function stateKey(states: States): string {
  return [...states].sort((a, b) => a - b).join(",");
}

/**
 * Characters worth trying: every literal in the patterns plus one that appears in none, which
 * stands for all other characters (they behave identically against these patterns).
 */
function alphabet(patterns: readonly Pattern[]): string[] {
  const chars = new Set<string>();
  for (const p of patterns) for (const c of p) if (c !== "*" && c !== "?") chars.add(c);
  let other = 0x20;
  while (chars.has(String.fromCodePoint(other))) other++;
  return [...chars, String.fromCodePoint(other)];
}

/**
 * The plain forms most policies use: "literal" (no `*` or `?`) or "prefix" (`literal*`), else
 * undefined. Callers leave text with surrogates to the NFA, which steps by code point, not code unit.
 */
function shapeOf(pattern: string): "literal" | "prefix" | undefined {
  let shape = shapes.get(pattern);
  if (shape === undefined) {
    shape = !/[*?]/.test(pattern)
      ? "literal"
      : pattern.indexOf("*") === pattern.length - 1 && !pattern.includes("?")
        ? "prefix"
        : "other";
    if (shapes.size >= MEMO_SIZE) shapes.clear();
    shapes.set(pattern, shape);
  }
  return shape === "other" ? undefined : shape;
}

const SURROGATE = /[\ud800-\udfff]/;
const shapes = new Map<string, "literal" | "prefix" | "other">();

const fold = (s: string, ignoreCase: boolean): string => (ignoreCase ? s.toLowerCase() : s);

/** Does `pattern` match `value` (whole string)? */
export function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const shape = shapeOf(pattern);
  if (shape !== undefined) {
    const p = fold(pattern, ignoreCase);
    const v = fold(value, ignoreCase);
    if (!SURROGATE.test(p) && !SURROGATE.test(v))
      return shape === "literal" ? p === v : v.startsWith(p.slice(0, -1));
  }
  return globMatchNfa(pattern, value, ignoreCase);
}

/** globMatch without its plain-pattern shortcut (exported for the test that compares them). */
export function globMatchNfa(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = compile(pattern, ignoreCase);
  let states: States = start(p);
  for (const ch of ignoreCase ? value.toLowerCase() : value) {
    states = step(p, states, ch);
    if (states.size === 0) return false;
  }
  return accepts(p, states);
}

/**
 * Is every string matched by `query` also matched by at least one of `patterns`?
 * For a query without wildcards this is plain matching; `kms:?*` asks "all kms actions".
 */
export function globIncluded(query: string, patterns: readonly string[], ignoreCase: boolean): boolean {
  // Policies mostly name literal ARNs or `prefix*`: answered without the subset search (which cost
  // ~0.2 ms a bucket), and what is searched is remembered (one bucket's rules ask it repeatedly).
  const quick = includedQuickly(query, patterns, ignoreCase);
  if (quick !== undefined) return quick;
  const key = `${ignoreCase ? "i" : "c"}\u0000${query}\u0000${patterns.join("\u0001")}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const answer = globIncludedFully(query, patterns, ignoreCase);
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(key, answer);
  return answer;
}

const MEMO_SIZE = 4096;
const memo = new Map<string, boolean>();

/** The answer when it is plain: true if a pattern is the query or a `literal*` prefix of it. */
function includedQuickly(
  query: string,
  patterns: readonly string[],
  ignoreCase: boolean,
): boolean | undefined {
  const q = ignoreCase ? query.toLowerCase() : query;
  const wild = q.search(/[*?]/);
  // Every string the query matches starts with its literal part.
  const fixed = wild < 0 ? q : q.slice(0, wild);
  for (const raw of patterns) {
    const p = ignoreCase ? raw.toLowerCase() : raw;
    if (p === q) return true;
    if (p.indexOf("*") === p.length - 1 && !p.includes("?") && fixed.startsWith(p.slice(0, -1))) return true;
  }
  if (wild < 0) return patterns.some((p) => globMatch(p, query, ignoreCase));
  return undefined;
}

/** globIncluded without its shortcuts and memo (exported for the test that compares them). */
export function globIncludedFully(query: string, patterns: readonly string[], ignoreCase: boolean): boolean {
  // One pattern alone often covers the query (`kms:*` among many infix patterns): a much smaller
  // search, and it keeps an obvious grant from hiding behind patterns that make the full search large.
  if (patterns.length > 1) {
    for (const p of patterns) {
      try {
        if (globIncludedIn(query, [p], ignoreCase)) return true;
      } catch (err) {
        if (!(err instanceof GlobLimitError)) throw err;
      }
    }
  }
  return globIncludedIn(query, patterns, ignoreCase);
}

/** The inclusion search gave up: the answer is unknown, never "no". */
export class GlobLimitError extends Error {
  constructor(query: string, patterns: number) {
    super(`cannot decide whether ${patterns} wildcard patterns cover ${query} within ${MAX_EXPLORED} steps`);
  }
}

function globIncludedIn(query: string, patterns: readonly string[], ignoreCase: boolean): boolean {
  const q = compile(query, ignoreCase);
  const ps = patterns.map((p) => compile(p, ignoreCase));
  const chars = alphabet([q, ...ps]);
  // Query side stays one NFA state per node; the pattern side is a determinized subset tuple, so a
  // node where the query accepts and no pattern does is a real counterexample string.
  type Node = { q: number; sets: Set<number>[] };
  const seen = new Set<string>();
  const queue: Node[] = [];
  const visit = (node: Node): void => {
    const key = `${node.q}|${node.sets.map(stateKey).join(";")}`;
    if (!seen.has(key)) {
      seen.add(key);
      queue.push(node);
    }
  };
  const initial = ps.map(start);
  for (const s of start(q)) visit({ q: s, sets: initial });
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    if (!node) break;
    if (node.q === q.length && !node.sets.some((s, i) => accepts(ps[i] ?? [], s))) return false;
    if (seen.size > MAX_EXPLORED) throw new GlobLimitError(query, patterns.length);
    for (const ch of chars) {
      const nextQ = step(q, new Set([node.q]), ch);
      if (nextQ.size === 0) continue;
      const nextSets = node.sets.map((s, i) => step(ps[i] ?? [], s, ch));
      for (const s of nextQ) visit({ q: s, sets: nextSets });
    }
  }
  return true;
}

/** Is there a string matched by both patterns? (Product of the two NFAs: polynomial, no cap.) */
export function globsIntersect(a: string, b: string, ignoreCase: boolean): boolean {
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  // A literal is one string: the other pattern matches it or not. Two prefixes share a string
  // exactly when one extends the other.
  if (sa === "literal") return globMatch(b, a, ignoreCase);
  if (sb === "literal") return globMatch(a, b, ignoreCase);
  if (sa === "prefix" && sb === "prefix") {
    const x = fold(a, ignoreCase).slice(0, -1);
    const y = fold(b, ignoreCase).slice(0, -1);
    if (!SURROGATE.test(x) && !SURROGATE.test(y)) return x.startsWith(y) || y.startsWith(x);
  }
  // `P*` against any pattern: some string it matches starts with P exactly when its NFA survives
  // reading P (from every live state of a glob some string leads to acceptance).
  if (sa === "prefix") return survives(b, fold(a, ignoreCase).slice(0, -1), ignoreCase);
  if (sb === "prefix") return survives(a, fold(b, ignoreCase).slice(0, -1), ignoreCase);
  return globsIntersectNfa(a, b, ignoreCase);
}

/** Does `pattern`'s NFA have a live state after reading `prefix` (already folded)? */
function survives(pattern: string, prefix: string, ignoreCase: boolean): boolean {
  const p = compile(pattern, ignoreCase);
  let states: States = start(p);
  for (const ch of prefix) {
    states = step(p, states, ch);
    if (states.size === 0) return false;
  }
  return true;
}

/** globsIntersect without its plain-pattern shortcuts (exported for the test that compares them). */
export function globsIntersectNfa(a: string, b: string, ignoreCase: boolean): boolean {
  const pa = compile(a, ignoreCase);
  const pb = compile(b, ignoreCase);
  const chars = alphabet([pa, pb]);
  const seen = new Set<string>();
  const queue: [number, number][] = [];
  const visit = (sa: States, sb: States): void => {
    for (const x of sa) {
      for (const y of sb) {
        const key = `${x},${y}`;
        if (seen.has(key)) continue;
        seen.add(key);
        queue.push([x, y]);
      }
    }
  };
  visit(start(pa), start(pb));
  for (let head = 0; head < queue.length; head++) {
    const [x, y] = queue[head] ?? [0, 0];
    if (x === pa.length && y === pb.length) return true;
    for (const ch of chars) visit(step(pa, new Set([x]), ch), step(pb, new Set([y]), ch));
  }
  return false;
}
