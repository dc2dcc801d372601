// What the HTML and Markdown renderers share: the detail caps (a report of a million findings
// stays one a browser opens; the CSV and JSON beside it hold everything), anchors, and plain
// sentences about the scan and scope.
import type { ReportDigest, ReportFinding, ReportWaiver } from "./model.js";

/** Failing and unverified findings shown under each requirement. */
export const REQUIREMENT_ROWS = 25;
/** Rows of the HTML findings table (the filterable one) and of Markdown's per-requirement lists. */
export const TABLE_ROWS = 2000;
export const MARKDOWN_ROWS = 50;
/** Resolved findings and coverage gaps listed. */
export const LIST_ROWS = 500;
/** Open findings a report keeps per requirement: the most any renderer shows of one. */
export const DETAIL_ROWS = Math.max(REQUIREMENT_ROWS, MARKDOWN_ROWS);

/** An HTML id for a requirement, unique within the report. */
export function anchors(model: ReportDigest): Map<string, string> {
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

/** Rule ID → IDs of the requirements it evidences in this report. */
export function requirementsOfRules(model: ReportDigest): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of model.requirements) for (const id of r.rules) m.set(id, [...(m.get(id) ?? []), r.id]);
  return m;
}

export function scopeSentence(model: ReportDigest): string {
  const s = model.scope;
  const accounts = s.accounts ? `accounts ${s.accounts.join(", ")}` : "every account of the scan";
  const regions = s.regions ? `regions ${s.regions.join(", ")}` : "every region";
  const tags =
    s.tags.length > 0
      ? `; resources tagged ${s.tags.map((t) => `${t.key}=${t.value}`).join(" or ")}, with the account-wide records, keys and coverage gaps that belong to them`
      : "";
  return `${accounts}, ${regions}${tags}`;
}

export function scanSentence(model: ReportDigest): string {
  const s = model.scan;
  return `scan ${s.id} (${s.kind}, ${s.status}), started ${s.startedAt}${s.finishedAt ? `, finished ${s.finishedAt}` : ""}, source ${s.source}`;
}

export function changeSentence(model: ReportDigest): string {
  if (!model.previousScan) return "no earlier complete scan to compare with";
  return `${model.summary.newFindings} new and ${model.summary.resolvedFindings} resolved since scan ${model.previousScan.id} (${model.previousScan.startedAt})`;
}

/** The waiver covering a finding, if any. */
export function waiverOf(model: ReportDigest, f: ReportFinding): ReportWaiver | undefined {
  return f.waiver === null ? undefined : model.waivers[f.waiver];
}

/** "waived until 2027-03-31 by security@example.com: replaced by the new DR key" */
export function waiverSentence(w: ReportWaiver): string {
  return `waived until ${w.expires} by ${w.approver}: ${w.justification}`;
}

/** What a waiver covers, as one line: rule, and the account, region, resource and tags it names. */
export function waiverScope(w: ReportWaiver): string {
  const parts = [
    `rule ${w.rule}`,
    ...(w.account ? [`account ${w.account}`] : []),
    ...(w.region ? [`region ${w.region}`] : []),
    ...(w.resource ? [`resource ${w.resource}`] : []),
    ...(w.tags
      ? [
          `tags ${Object.entries(w.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}`,
        ]
      : []),
  ];
  return parts.join("; ");
}

/** How a waiver stands: active and matching, stale (matched nothing), or expired. */
export function waiverStanding(w: ReportWaiver): string {
  if (w.state === "expired") return "expired: covers nothing";
  return w.matched === 0
    ? "stale: matched nothing in the scan"
    : `active: ${w.matched} result(s) of the scan`;
}

export function capNote(shown: number, total: number, what: string): string | null {
  return total > shown
    ? `Showing ${shown} of ${total} ${what}; every one is in the CSV and JSON reports beside this file.`
    : null;
}
