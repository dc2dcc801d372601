// The HTML report: one self-contained file (inline CSS, inline SVG, one hashed script, a strict
// CSP, no request of any kind), readable on screen and on A4. Summary first, then a table of
// contents, each requirement with its evidence, the filterable findings table, coverage gaps and
// changes. Every string from AWS is escaped here and was bounded by the model; detail is capped
// so that a huge scan still gives a page a browser opens (the CSV and JSON hold everything).
import { SEVERITIES } from "../model/severity.js";
import { CSP, CSS, SCRIPT } from "./html-assets.js";
import {
  REQUIREMENT_STATUSES,
  STATUS_LABELS,
  STATUS_MEANINGS,
  type DigestRequirement,
  type ReportDigest,
  type ReportFinding,
} from "./model.js";
import {
  anchors,
  capNote,
  changeSentence,
  LIST_ROWS,
  REQUIREMENT_ROWS,
  requirementsOfRules,
  scanSentence,
  scopeSentence,
  TABLE_ROWS,
  waiverOf,
  waiverScope,
  waiverSentence,
  waiverStanding,
} from "./render-common.js";
import { SCOPE_NOTES } from "./scope.js";
import { statusChart, severityChart } from "./svg.js";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text and attribute values alike: nothing in it can open a tag, an entity or an attribute. */
export function esc(s: string | number | null | undefined): string {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** Untrusted text isolated from the surrounding direction (bidi), escaped. */
const u = (s: string | null | undefined): string => `<bdi>${esc(s)}</bdi>`;

export function* htmlChunks(model: ReportDigest): Generator<string> {
  const ids = anchors(model);
  yield head(model);
  yield summary(model);
  yield toc(model, ids);
  yield `<section id="requirements"><h2>Requirements</h2>`;
  for (const r of model.requirements) yield requirement(model, r, ids);
  yield `</section>`;
  yield* findingsTable(model, ids);
  yield gapsSection(model);
  yield waiversSection(model);
  yield changesSection(model);
  yield about(model);
  yield `</main>\n<script>${SCRIPT}</script>\n</body>\n</html>\n`;
}

function head(m: ReportDigest): string {
  const title = `${m.framework.title}: compliance report for scan ${m.scan.id}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dpscan ${esc(m.dpscanVersion)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(m.framework.title)}: compliance report</h1>
<p class="sub">${esc(m.framework.standard)}, version ${esc(m.framework.version)} · ${u(scanSentence(m))}</p>
</header>
<main>
`;
}

function summary(m: ReportDigest): string {
  const s = m.summary;
  const counts = REQUIREMENT_STATUSES.map(
    (st) =>
      `<tr><td><span class="badge s-${st}">${esc(STATUS_LABELS[st])}</span></td><td class="num">${s.requirements[st]}</td><td>${esc(STATUS_MEANINGS[st])}</td></tr>`,
  ).join("");
  return `<section id="summary"><h2>Summary</h2>
<div class="charts">${statusChart(s.requirements)}${severityChart(m.severities)}</div>
<table><thead><tr><th>Status</th><th class="num">Requirements</th><th>Meaning</th></tr></thead><tbody>${counts}</tbody></table>
<dl class="facts">
<dt>Scope</dt><dd>${u(scopeSentence(m))}</dd>
<dt>Seen in scope</dt><dd>${m.scope.accountsSeen.length} account(s): ${u(m.scope.accountsSeen.join(", ") || "none")}; region(s): ${u(m.scope.regionsSeen.join(", ") || "none")}; services: ${u(m.scope.services.join(", ") || "none recorded")}</dd>
<dt>Results</dt><dd>${s.findings.FAIL} FAIL, ${s.findings.UNKNOWN} UNKNOWN, ${s.findings.PASS} PASS from ${m.rules.length} rules</dd>
<dt>Coverage gaps</dt><dd>${s.gaps === 0 ? "none: every listing the rules need was read" : `<a href="#gaps">${s.gaps} gap(s)</a> hide resources; the requirements they weaken are not verified`}</dd>
<dt>Changes</dt><dd>${esc(changeSentence(m))}</dd>
<dt>Waivers</dt><dd>${m.waivers.length === 0 ? "none in force" : `<a href="#waivers">${m.waivers.length} waiver(s)</a>; ${s.waivedFindings} result(s) in scope waived (shown WAIVED, status unchanged)`}</dd>
</dl></section>
`;
}

function toc(m: ReportDigest, ids: Map<string, string>): string {
  const items = m.requirements.map((r) => {
    const badge = r.status ? ` <span class="badge s-${r.status}">${esc(STATUS_LABELS[r.status])}</span>` : "";
    return `<li class="d${Math.min(r.depth, 4)}"><a href="#${ids.get(r.id) ?? ""}">${esc(r.id)}</a> ${esc(short(r.title))}${badge}</li>`;
  });
  return `<nav class="toc" id="contents"><h2>Contents</h2><ol>${items.join("")}</ol>
<p><a href="#findings">Findings</a> · <a href="#gaps">Coverage gaps</a> · <a href="#waivers">Waivers</a> · <a href="#changes">Changes</a> · <a href="#about">About this report</a></p></nav>
`;
}

const short = (s: string): string => (s.length > 90 ? `${s.slice(0, 89)}…` : s);

function requirement(m: ReportDigest, r: DigestRequirement, ids: Map<string, string>): string {
  const id = ids.get(r.id) ?? "";
  const h = Math.min(3 + r.depth, 6);
  if (r.kind === "heading") {
    const roll = r.rollup ? rollupText(r.rollup) : "";
    return `<section class="req heading${r.depth === 0 ? " page" : ""}" id="${id}"><h${h}>${esc(r.id)} ${esc(r.title)}</h${h}><p class="sub">${esc(roll)}</p></section>\n`;
  }
  const badge = r.status ? ` <span class="badge s-${r.status}">${esc(STATUS_LABELS[r.status])}</span>` : "";
  const parts = [
    `<section class="req b-${r.status ?? "heading"}${r.kind === "rules" ? " page" : ""}" id="${id}">`,
    `<h${h}><span class="rid">${esc(r.id)}</span>${esc(r.title)}${badge}</h${h}>`,
    r.description ? `<p>${esc(r.description)}</p>` : "",
    r.reasons.length > 0 ? `<p>${r.reasons.map(esc).join("<br>")}</p>` : "",
    r.manual ? `<p class="note"><strong>Manual:</strong> ${esc(r.manual)}</p>` : "",
    r.kind === "rules" ? evidence(m, r) : "",
    `</section>\n`,
  ];
  return parts.join("");
}

function rollupText(roll: Record<string, number>): string {
  const parts = REQUIREMENT_STATUSES.filter((s) => (roll[s] ?? 0) > 0).map(
    (s) => `${roll[s]} ${STATUS_LABELS[s]}`,
  );
  return parts.length > 0 ? `Below: ${parts.join(", ")}.` : "";
}

function evidence(m: ReportDigest, r: DigestRequirement): string {
  const rules = r.rules.flatMap((id) => m.rules.filter((x) => x.id === id));
  const rows = rules.map((rule) => {
    const changed =
      rule.sha256 === null
        ? " (not run in this scan)"
        : rule.changedSinceScan
          ? " (rule file changed since the scan)"
          : "";
    return `<tr><td><code>${esc(rule.id)}</code>${esc(changed)}<br>${esc(rule.title)}</td><td>${esc(rule.severity)}</td><td class="num">${rule.counts.FAIL}</td><td class="num">${rule.counts.UNKNOWN}</td><td class="num">${rule.counts.PASS}</td></tr>`;
  });
  const fixes = rules
    .filter((rule) => rule.counts.FAIL + rule.counts.UNKNOWN > 0)
    .map((rule) => `<li><code>${esc(rule.id)}</code>: ${prose(rule.remediation)}</li>`);
  const shown = r.open.slice(0, REQUIREMENT_ROWS);
  const note = capNote(shown.length, r.openTotal, "failing and unverified results of this requirement");
  return [
    `<p><strong>Why these rules:</strong> ${esc(r.rationale)} <span class="sub">Sources: ${esc(r.sources.join(", "))}.</span></p>`,
    r.limits ? `<p><strong>Not covered by the rules:</strong> ${esc(r.limits)}</p>` : "",
    `<table><thead><tr><th>Rule</th><th>Severity</th><th class="num">FAIL</th><th class="num">UNKNOWN</th><th class="num">PASS</th></tr></thead><tbody>${rows.join("")}</tbody></table>`,
    shown.length > 0
      ? `<p><strong>Failing and unverified resources</strong></p>${resultsTable(m, shown)}`
      : "",
    note ? `<p class="note">${esc(note)}</p>` : "",
    fixes.length > 0 ? `<p><strong>Remediation</strong></p><ul class="fix">${fixes.join("")}</ul>` : "",
    r.gaps.length > 0
      ? `<p>Weakened by ${r.gaps.length} coverage gap(s): see <a href="#gaps">Coverage gaps</a>.</p>`
      : "",
    m.previousScan
      ? `<p class="sub">Since scan ${m.previousScan.id}: ${r.newFindings} new, ${r.resolved.length} resolved.</p>`
      : "",
  ].join("");
}

/** Rule-file prose (trusted, from the repository): escaped, with `code` spans kept as code. */
function prose(s: string): string {
  return esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");
}

/** A resource type that may wrap after each "::". */
const type = (t: string): string => esc(t).replace(/::/g, "::<wbr>");

/** A result's status badge, "new", and WAIVED when a waiver covers it. */
function statusCell(m: ReportDigest, f: ReportFinding): string {
  const waived = waiverOf(m, f) ? ` <span class="badge waived">WAIVED</span>` : "";
  return `<span class="badge st-${f.status}">${f.status}</span>${waived}${f.isNew ? " new" : ""}`;
}

/** The waiver behind a WAIVED result, under its reason. */
function waiverNote(m: ReportDigest, f: ReportFinding): string {
  const w = waiverOf(m, f);
  return w ? `<br><em>${u(waiverSentence(w))} (<a href="#waivers">${esc(w.source)}</a>)</em>` : "";
}

function resultsTable(m: ReportDigest, rows: ReportFinding[]): string {
  const body = rows.map(
    (f) =>
      `<tr><td>${statusCell(m, f)}</td><td>${esc(f.severity)}</td><td><code>${esc(f.ruleId)}</code></td><td class="mono">${esc(f.accountId)}<br>${esc(f.region)}</td><td class="wrap">${type(f.resourceType)}<br><span class="mono">${u(f.resourceId)}</span></td><td class="wrap">${u(f.message)}${f.scopeNote ? `<br><em>In scope because ${esc(SCOPE_NOTES[f.scopeNote])}.</em>` : ""}${waiverNote(m, f)}</td></tr>`,
  );
  return `<table><thead><tr><th>Status</th><th>Severity</th><th>Rule</th><th>Where</th><th>Resource</th><th>Reason</th></tr></thead><tbody>${body.join("")}</tbody></table>`;
}

function* findingsTable(m: ReportDigest, ids: Map<string, string>): Generator<string> {
  const shown = m.open.slice(0, TABLE_ROWS);
  const reqs = requirementsOfRules(m);
  const note = capNote(
    shown.length,
    m.summary.findings.FAIL + m.summary.findings.UNKNOWN,
    "failing and unverified results",
  );
  const options = (values: readonly string[]): string =>
    values.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join("");
  const leafIds = m.requirements.filter((r) => r.kind === "rules").map((r) => r.id);
  yield `<section id="findings" class="page"><h2>Findings</h2>
<p>Every FAIL and UNKNOWN result in scope, with the requirements it bears on.${note ? "" : " PASS results are counted per rule above and listed in the CSV and JSON reports."}</p>
${note ? `<p class="note">${esc(note)}</p>` : ""}
<div class="filters noprint"><label>Search <input id="f-text" type="search"></label>
<label>Status <select id="f-status"><option value="">any</option>${options(["FAIL", "UNKNOWN"])}</select></label>
<label>Severity <select id="f-severity"><option value="">any</option>${options(SEVERITIES)}</select></label>
<label>Requirement <select id="f-req"><option value="">any</option>${options(leafIds)}</select></label>
<span><span id="f-count">${shown.length}</span> shown</span></div>
<table id="findings-table"><thead><tr><th><button type="button">Status</button></th><th><button type="button">Severity</button></th><th><button type="button">Rule</button></th><th><button type="button">Where</button></th><th><button type="button">Resource</button></th><th>Reason</th><th><button type="button">Requirements</button></th></tr></thead><tbody>
`;
  const rank = (s: string): string => String(SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]));
  for (let i = 0; i < shown.length; i += 500) {
    yield shown
      .slice(i, i + 500)
      .map((f) => {
        const rq = reqs.get(f.ruleId) ?? [];
        const links = rq.map((id) => `<a href="#${ids.get(id) ?? ""}">${esc(id)}</a>`).join(" ");
        return `<tr data-status="${f.status}" data-severity="${esc(f.severity)}" data-reqs="${esc(rq.join(" "))}"><td>${statusCell(m, f)}</td><td data-sort="${rank(f.severity)}">${esc(f.severity)}</td><td><code>${esc(f.ruleId)}</code></td><td class="mono">${esc(f.accountId)}<br>${esc(f.region)}</td><td class="wrap">${type(f.resourceType)} <span class="mono">${u(f.resourceId)}</span></td><td class="wrap">${u(f.message)}${waiverNote(m, f)}</td><td>${links}</td></tr>\n`;
      })
      .join("");
  }
  yield `</tbody></table></section>\n`;
}

function gapsSection(m: ReportDigest): string {
  const shown = m.gaps.slice(0, LIST_ROWS);
  const note = capNote(shown.length, m.gaps.length, "coverage gaps");
  const rows = shown.map(
    (g) =>
      `<tr><td class="mono">${esc(g.accountId)}</td><td class="mono">${esc(g.region)}</td><td>${esc(g.scope)}</td><td>${esc(g.service)}:${esc(g.operation)}</td><td>${esc(g.status)}</td><td class="wrap">${u(`${g.errorCode ?? ""} ${g.errorMessage ?? ""}`.trim())}</td><td class="wrap">${esc(g.resourceTypes.join(", "))}</td></tr>`,
  );
  return `<section id="gaps"><h2>Coverage gaps</h2>
${m.gaps.length === 0 ? "<p>None: every listing the rules need was read in scope.</p>" : `<p>These listings were denied or failed, so the resources they would have listed were not examined; every requirement whose rules need those types is not verified.</p>${note ? `<p class="note">${esc(note)}</p>` : ""}<table><thead><tr><th>Account</th><th>Region</th><th>Reach</th><th>Call</th><th>Status</th><th>Error</th><th>Types hidden</th></tr></thead><tbody>${rows.join("")}</tbody></table>`}</section>
`;
}

function waiversSection(m: ReportDigest): string {
  if (m.waivers.length === 0)
    return `<section id="waivers"><h2>Waivers</h2><p>None were in force for this scan.</p></section>\n`;
  const rows = m.waivers.map(
    (w) =>
      `<tr><td class="mono wrap">${u(w.source)}</td><td class="wrap">${u(waiverScope(w))}</td><td class="wrap">${u(w.justification)}</td><td class="wrap">${u(w.approver)}</td><td>${esc(w.expires)}</td><td>${esc(waiverStanding(w))}</td></tr>`,
  );
  return `<section id="waivers"><h2>Waivers</h2>
<p>Risks accepted on purpose and on the record, as they applied to this scan. A waived result keeps its real status (requirement statuses do not change) and is marked WAIVED; ${m.summary.waivedFindings} result(s) in scope are.</p>
<table><thead><tr><th>Waiver</th><th>Covers</th><th>Justification</th><th>Approver</th><th>Expires</th><th>Standing</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>
`;
}

function changesSection(m: ReportDigest): string {
  if (!m.previousScan)
    return `<section id="changes"><h2>Changes</h2><p>${esc(changeSentence(m))}.</p></section>\n`;
  const shown = m.resolved.slice(0, LIST_ROWS);
  const note = capNote(shown.length, m.resolved.length, "resolved findings");
  const rows = shown.map(
    (f) =>
      `<tr><td><code>${esc(f.ruleId)}</code></td><td>${esc(f.previousStatus)} → ${esc(f.status ?? "gone")}</td><td class="mono">${esc(f.accountId)} ${esc(f.region)}</td><td class="wrap">${esc(f.resourceType)} <span class="mono">${u(f.resourceId)}</span></td><td class="wrap">${u(f.previousMessage)}</td></tr>`,
  );
  return `<section id="changes"><h2>Changes</h2><p>${esc(changeSentence(m))}. New results are marked "new" above; resolved ones follow.</p>
${note ? `<p class="note">${esc(note)}</p>` : ""}${rows.length > 0 ? `<table><thead><tr><th>Rule</th><th>Status</th><th>Where</th><th>Resource</th><th>Reason then</th></tr></thead><tbody>${rows.join("")}</tbody></table>` : ""}</section>
`;
}

function about(m: ReportDigest): string {
  const f = m.framework;
  const sources = f.sources
    .map((s) => `<li><code>${esc(s.id)}</code>: ${esc(s.title)} (${esc(s.url)})</li>`)
    .join("");
  const decisions = f.decisions.map((d) => `<li>${esc(d)}</li>`).join("");
  return `<section id="about" class="page"><h2>About this report</h2>
<p>${esc(f.description)}</p>
<dl class="facts">
<dt>Scan</dt><dd>${u(scanSentence(m))}; judged by dpscan ${esc(m.scan.dpscanVersion)} with ${m.scan.ruleCount} rules, rule set sha256 <code>${esc(m.scan.ruleSetSha256)}</code></dd>
<dt>Framework file</dt><dd><code>${esc(f.file)}</code>, sha256 <code>${esc(f.sha256)}</code></dd>
<dt>Report</dt><dd>dpscan ${esc(m.dpscanVersion)}, report format ${m.formatVersion}: regenerating it from the same scan gives the same file</dd>
</dl>
<h3>Sources of the mappings</h3><ul>${sources}</ul>
${decisions ? `<h3>Where sources disagree</h3><ul>${decisions}</ul>` : ""}
</section>
`;
}

export function renderHtml(model: ReportDigest): string {
  return [...htmlChunks(model)].join("");
}
