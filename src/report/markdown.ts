// The Markdown report, for pull requests and wikis: the summary, every requirement with its
// status, and the failing and unverified resources of each (capped; the CSV and JSON hold all).
// Untrusted text only ever appears inside table cells or after fixed text, escaped so it can
// start no link, image, emphasis, HTML tag, entity or autolink, and cannot break the table.
import {
  REQUIREMENT_STATUSES,
  STATUS_LABELS,
  STATUS_MEANINGS,
  type DigestRequirement,
  type ReportDigest,
} from "./model.js";
import {
  capNote,
  changeSentence,
  MARKDOWN_ROWS,
  scanSentence,
  scopeSentence,
  waiverOf,
  waiverScope,
  waiverSentence,
  waiverStanding,
} from "./render-common.js";
import { SCOPE_NOTES } from "./scope.js";

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Inline Markdown text: punctuation that means something is backslash-escaped, HTML is entities. */
export function md(s: string | number | null | undefined): string {
  return String(s ?? "")
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\`*_{}[\]()|~@!#]/g, (c) => `\\${c}`)
    .replace(/:(?=\/\/)/g, "\\:") // no scheme://, so no autolink
    .replace(/[&<>]/g, (c) => HTML[c] as string)
    .replace(/\b(www)\./gi, "$1\\.");
}

const row = (cells: (string | number)[]): string => `| ${cells.join(" | ")} |`;

/** The report in parts, each ending in a blank line (so a table never runs into what follows). */
export function* markdownChunks(m: ReportDigest): Generator<string> {
  const parts = function* (): Generator<string> {
    yield header(m);
    yield requirementsTable(m);
    for (const r of m.requirements) if (r.kind === "rules") yield requirementSection(m, r);
    yield manualSection(m);
    yield gapsSection(m);
    yield waiversSection(m);
    yield footer(m);
  };
  for (const p of parts()) if (p !== "") yield `${p}\n`;
}

function header(m: ReportDigest): string {
  const s = m.summary;
  const statuses = REQUIREMENT_STATUSES.map((st) =>
    row([`**${STATUS_LABELS[st]}**`, s.requirements[st], md(STATUS_MEANINGS[st])]),
  );
  return [
    `# ${md(m.framework.title)}: compliance report`,
    "",
    `${md(m.framework.standard)}, version ${md(m.framework.version)}.`,
    "",
    `- **Scan:** ${md(scanSentence(m))}`,
    `- **Scope:** ${md(scopeSentence(m))}`,
    `- **Seen in scope:** ${m.scope.accountsSeen.length} account(s) (${md(m.scope.accountsSeen.join(", ") || "none")}); regions ${md(m.scope.regionsSeen.join(", ") || "none")}`,
    `- **Results:** ${s.findings.FAIL} FAIL, ${s.findings.UNKNOWN} UNKNOWN, ${s.findings.PASS} PASS; ${s.gaps} coverage gap(s)`,
    `- **Changes:** ${md(changeSentence(m))}`,
    `- **Waivers:** ${m.waivers.length} in force; ${s.waivedFindings} result(s) in scope waived (marked WAIVED, status unchanged)`,
    "",
    "## Summary",
    "",
    row(["Status", "Requirements", "Meaning"]),
    row(["---", "---:", "---"]),
    ...statuses,
    "",
  ].join("\n");
}

function requirementsTable(m: ReportDigest): string {
  const rows = m.requirements
    .filter((r) => r.kind !== "heading")
    .map((r) =>
      row([
        md(r.id),
        md(short(r.title)),
        r.status ? `**${STATUS_LABELS[r.status]}**` : "",
        r.counts.FAIL,
        r.counts.UNKNOWN,
        r.counts.PASS,
      ]),
    );
  return [
    "## Requirements",
    "",
    row(["ID", "Requirement", "Status", "FAIL", "UNKNOWN", "PASS"]),
    row(["---", "---", "---", "---:", "---:", "---:"]),
    ...rows,
    "",
  ].join("\n");
}

const short = (s: string): string => (s.length > 120 ? `${s.slice(0, 119)}…` : s);

function requirementSection(m: ReportDigest, r: DigestRequirement): string {
  const shown = r.open.slice(0, MARKDOWN_ROWS);
  const note = capNote(shown.length, r.openTotal, "failing and unverified results");
  const lines = [
    `### ${md(r.id)}: ${r.status ? STATUS_LABELS[r.status] : ""}`,
    "",
    md(r.title),
    "",
    ...r.reasons.map((x) => `- ${md(x)}`),
    `- Rules: ${r.rules.map((id) => `\`${id}\``).join(", ")} (sources: ${md(r.sources.join(", "))})`,
    ...(r.limits ? [`- Not covered by the rules: ${md(r.limits)}`] : []),
    "",
  ];
  if (shown.length > 0) {
    lines.push(
      row(["Status", "Severity", "Rule", "Account", "Region", "Resource", "Reason"]),
      row(["---", "---", "---", "---", "---", "---", "---"]),
    );
    for (const f of shown) {
      const scope = f.scopeNote ? ` (in scope: ${md(SCOPE_NOTES[f.scopeNote])})` : "";
      const w = waiverOf(m, f);
      const waiver = w ? ` (${md(waiverSentence(w))}; ${md(w.source)})` : "";
      lines.push(
        row([
          `${f.status}${w ? " WAIVED" : ""}${f.isNew ? " (new)" : ""}`,
          f.severity,
          `\`${f.ruleId}\``,
          md(f.accountId),
          md(f.region),
          `${md(f.resourceType)} ${md(f.resourceId)}`,
          `${md(f.message)}${scope}${waiver}`,
        ]),
      );
    }
    lines.push("");
  }
  if (note) lines.push(`_${md(note)}_`, "");
  return lines.join("\n");
}

function manualSection(m: ReportDigest): string {
  const manual = m.requirements.filter((r) => r.kind === "manual");
  if (manual.length === 0) return "";
  return ["## Assessed manually", "", ...manual.map((r) => `- **${md(r.id)}** ${md(r.manual)}`), ""].join(
    "\n",
  );
}

function gapsSection(m: ReportDigest): string {
  if (m.gaps.length === 0) return "## Coverage gaps\n\nNone.\n";
  const shown = m.gaps.slice(0, MARKDOWN_ROWS);
  const note = capNote(shown.length, m.gaps.length, "coverage gaps");
  return [
    "## Coverage gaps",
    "",
    row(["Account", "Region", "Call", "Status", "Error", "Types hidden"]),
    row(["---", "---", "---", "---", "---", "---"]),
    ...shown.map((g) =>
      row([
        md(g.accountId),
        md(g.region),
        md(`${g.service}:${g.operation}`),
        g.status,
        md(`${g.errorCode ?? ""} ${g.errorMessage ?? ""}`.trim()),
        md(g.resourceTypes.join(", ")),
      ]),
    ),
    "",
    ...(note ? [`_${md(note)}_`, ""] : []),
  ].join("\n");
}

function waiversSection(m: ReportDigest): string {
  if (m.waivers.length === 0) return "## Waivers\n\nNone were in force for this scan.\n";
  return [
    "## Waivers",
    "",
    "Risks accepted on purpose, as they applied to this scan. A waived result keeps its real status (requirement statuses do not change) and is marked WAIVED.",
    "",
    row(["Waiver", "Covers", "Justification", "Approver", "Expires", "Standing"]),
    row(["---", "---", "---", "---", "---", "---"]),
    ...m.waivers.map((w) =>
      row([
        md(w.source),
        md(waiverScope(w)),
        md(w.justification),
        md(w.approver),
        md(w.expires),
        md(waiverStanding(w)),
      ]),
    ),
    "",
  ].join("\n");
}

function footer(m: ReportDigest): string {
  return [
    "---",
    "",
    `Framework file \`${m.framework.file}\` (sha256 \`${m.framework.sha256}\`); rule set sha256 \`${m.scan.ruleSetSha256}\`; dpscan ${md(m.dpscanVersion)}.`,
    "",
  ].join("\n");
}

export function renderMarkdown(model: ReportDigest): string {
  return [...markdownChunks(model)].join("");
}
