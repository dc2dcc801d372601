// What the gate's SARIF and JUnit files will say of each FAIL/UNKNOWN result, rendered while the
// decision reads the results and kept in temporary files beside those outputs: the files can only
// be written once the decision is made (SARIF names its exit code before the results, JUnit's
// suites start with their totals), and reading a large scan's results again for each of them cost
// more than the decision itself (bench/README.md, w16). SARIF takes the texts in order; JUnit a
// rule at a time, from the few byte ranges each rule's results fill (report order groups a rule's
// results by status and severity).
import type { GateCriteria, GateItem } from "./gate.js";
import { caseTagShown, dependsOnBlock, junitCaseTexts } from "./junit.js";
import { sarifResultText } from "./sarif.js";
import { TextSpool } from "./text-spool.js";

/** The temporary file beside an output that its spool is kept in. */
export const spoolPathFor = (output: string): string => `${output}.spool-${process.pid}`;

export class GateSpool {
  private readonly sarif: TextSpool | undefined;
  private readonly junit: TextSpool | undefined;
  /** Per rule, the byte ranges of the JUnit spool its cases fill, in order. */
  private readonly runs = new Map<string, [number, number][]>();
  private readonly ruleIndex: Map<string, number>;
  /** Counted UNKNOWNs so far: past --max-unknown, the decision's unknownsBlock is known (true). */
  private countedUnknowns = 0;

  /** `sarif`: the rule index of the SARIF document to come (sarifRuleIndex). */
  constructor(outputs: { sarif?: { file: string; ruleIndex: Map<string, number> }; junit?: string }) {
    this.ruleIndex = outputs.sarif?.ruleIndex ?? new Map();
    try {
      this.sarif = outputs.sarif ? new TextSpool(spoolPathFor(outputs.sarif.file)) : undefined;
      this.junit = outputs.junit !== undefined ? new TextSpool(spoolPathFor(outputs.junit)) : undefined;
    } catch (err) {
      this.remove();
      throw err;
    }
  }

  add(i: GateItem, criteria: GateCriteria): void {
    this.sarif?.add(sarifResultText(i, this.ruleIndex, criteria));
    const junit = this.junit;
    if (!junit) return;
    const start = junit.offset;
    if (dependsOnBlock(i)) this.countedUnknowns++;
    const blocks = this.countedUnknowns > criteria.maxUnknown;
    for (const [text, tag] of junitCaseTexts(i, criteria, blocks)) junit.add(text, tag);
    const rule = i.finding.ruleId;
    const runs = this.runs.get(rule);
    const last = runs?.at(-1);
    if (last && last[1] === start) last[1] = junit.offset;
    else if (runs) runs.push([start, junit.offset]);
    else this.runs.set(rule, [[start, junit.offset]]);
  }

  /** The SARIF result texts, in the order added (report order). */
  *sarifResults(): Generator<string> {
    if (this.sarif) for (const r of this.sarif.read()) yield r.text;
  }

  /** One rule's JUnit case texts, in the order added, as a decision with this unknownsBlock shows them. */
  *junitCases(rule: string, unknownsBlock: boolean): Generator<string> {
    const junit = this.junit;
    if (!junit) return;
    for (const [from, to] of this.runs.get(rule) ?? [])
      for (const r of junit.read(from, to)) if (caseTagShown(r.tag, unknownsBlock)) yield r.text;
  }

  /** Both files deleted; safe to call more than once. */
  remove(): void {
    this.sarif?.remove();
    this.junit?.remove();
  }
}
