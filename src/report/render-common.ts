// What the HTML and Markdown renderers share: the detail caps (a report of a million findings
// stays one a browser opens; the CSV and JSON beside it hold everything), anchors, and plain
// sentences about the scan and scope.
import type { ReportFinding, ReportModel, ReportRequirement } from "./model.js";

/** Failing and unverified findings shown under each requirement. */
export const REQUIREMENT_ROWS = 25;
/** Rows of the HTML findings table (the filterable one) and of Markdown's per-requirement lists. */
export const TABLE_ROWS = 2000;
export const MARKDOWN_ROWS = 50;
/** Resolved findings and coverage gaps listed. */
export const LIST_ROWS = 500;

/** An HTML id for a requirement, unique within the report. */
export function anchors(model: ReportModel): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const r of model.requirements) {
    const base = `req-${r.id.replace(/[^A-Za-z0-9]+/g, "-").replace(/-+$/, "")}`;
    let a = base;
    for (let n = 2; used.has(a); n++) a = `${base}-${n}`;
    used.add(a);
    out.set(r.id, a);
  }
  return out;
}

/** The findings a requirement shows in detail: FAIL and UNKNOWN, in report order. */
export function unresolved(model: ReportModel, r: ReportRequirement): ReportFinding[] {
  const out: ReportFinding[] = [];
  for (const i of r.findings) {
    const f = model.findings[i] as ReportFinding;
    if (f.status !== "PASS") out.push(f);
  }
  return out;
}

/** Rule ID → IDs of the requirements it evidences in this report. */
export function requirementsOfRules(model: ReportModel): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of model.requirements) for (const id of r.rules) m.set(id, [...(m.get(id) ?? []), r.id]);
  return m;
}

export function scopeSentence(model: ReportModel): string {
  const s = model.scope;
  const accounts = s.accounts ? `accounts ${s.accounts.join(", ")}` : "every account of the scan";
  const regions = s.regions ? `regions ${s.regions.join(", ")}` : "every region";
  const tags =
    s.tags.length > 0
      ? `; resources tagged ${s.tags.map((t) => `${t.key}=${t.value}`).join(" or ")}, with the account-wide records, keys and coverage gaps that belong to them`
      : "";
  return `${accounts}, ${regions}${tags}`;
}

export function scanSentence(model: ReportModel): string {
  const s = model.scan;
  return `scan ${s.id} (${s.kind}, ${s.status}), started ${s.startedAt}${s.finishedAt ? `, finished ${s.finishedAt}` : ""}, source ${s.source}`;
}

export function changeSentence(model: ReportModel): string {
  if (!model.previousScan) return "no earlier complete scan to compare with";
  return `${model.summary.newFindings} new and ${model.summary.resolvedFindings} resolved since scan ${model.previousScan.id} (${model.previousScan.startedAt})`;
}

export function capNote(shown: number, total: number, what: string): string | null {
  return total > shown
    ? `Showing ${shown} of ${total} ${what}; every one is in the CSV and JSON reports beside this file.`
    : null;
}
