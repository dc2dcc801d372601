// Which facts (record fields a per-resource read fills) the scan's rules read, in a form a
// collection worker thread can rebuild: the rules' source text travels, the test is made there.

/** Whether a selected rule reads a fact; `text` is what it was built from (see factsReadIn). */
export interface FactsRead {
  (fact: string): boolean;
  readonly text: string;
}

/** A rule names what it reads in its source, so a mention of the fact's name in `text` is a read. */
export function factsReadIn(text: string): FactsRead {
  const memo = new Map<string, boolean>();
  const reads = (fact: string): boolean => {
    let v = memo.get(fact);
    if (v === undefined) memo.set(fact, (v = new RegExp(`\\b${fact}\\b`).test(text)));
    return v;
  };
  return Object.assign(reads, { text });
}
