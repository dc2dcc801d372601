// The dashboard at `/`: server-rendered HTML, readable without JavaScript, with one inline script
// (allowed by its hash in the CSP, like the one inline stylesheet) for instant filtering and
// sorting. No external request of any kind. Everything a resource owner controls (ids, names,
// messages, evidence) is escaped.
import type { FastifyInstance } from "fastify";
import type { FindingRow } from "../model/finding.js";
import type { ResourceRecord } from "../model/resource.js";
import { SEVERITIES, STATUSES, type Severity, type Status } from "../model/severity.js";
import type { ScanRow, Store } from "../store/store.js";
import { clip } from "../util/text.js";
import { SCAN_PARAM, strictQuery, type ApiContext } from "./context.js";
import { scanChange, gapCount } from "./changes.js";
import { isCoverageGap } from "../model/coverage.js";
import { esc } from "../report/html.js";
import { cspHash } from "../report/html-assets.js";
import { REQUIREMENT_STATUSES, STATUS_LABELS, type RequirementStatus } from "../report/model.js";
import { RequirementSummary, type FrameworkStatus } from "./reports.js";

/** Rows rendered in the table; the API pages through the rest. */
const TABLE_ROWS = 1000;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
th{cursor:pointer;background:#f4f5f7}.cards{display:flex;gap:.6rem;flex-wrap:wrap}
.card{border:1px solid #ccc;border-radius:6px;padding:.5rem .8rem;min-width:6rem}.card b{display:block;font-size:1.4rem}
.critical{color:#8b0000}.high{color:#c0392b}.medium{color:#b9770e}.low{color:#1f618d}.info{color:#555}
rect.critical{fill:#8b0000}rect.high{fill:#c0392b}rect.medium{fill:#e6a23c}rect.low{fill:#5dade2}rect.info{fill:#aaa}
.muted{color:#666}.note{background:#fff6d5;padding:.4rem .6rem;border-radius:4px}
form,.filters{margin:.5rem 0;display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
pre{background:#f4f5f7;padding:.6rem;overflow:auto;white-space:pre-wrap;word-break:break-all}
td.msg{max-width:32rem;word-break:break-word}`;

// Filters rows by the text box and the severity select; sorts by a clicked header.
const SCRIPT = `
(function(){
  var table=document.getElementById('findings');if(!table)return;
  var body=table.tBodies[0],q=document.getElementById('filter-text'),sev=document.getElementById('filter-severity');
  var count=document.getElementById('shown');
  function apply(){var t=q.value.toLowerCase(),s=sev.value,n=0;
    for(var i=0;i<body.rows.length;i++){var r=body.rows[i];
      var ok=(!t||r.textContent.toLowerCase().indexOf(t)>=0)&&(!s||r.getAttribute('data-severity')===s);
      r.hidden=!ok;if(ok)n++;}
    count.textContent=String(n);}
  q.addEventListener('input',apply);sev.addEventListener('change',apply);
  document.getElementById('live-filters').hidden=false;
  var heads=table.tHead.rows[0].cells;
  for(var h=0;h<heads.length;h++)(function(col){heads[col].addEventListener('click',function(){
    var rows=Array.prototype.slice.call(body.rows),key=heads[col].getAttribute('data-key');
    var dir=heads[col].getAttribute('data-dir')==='asc'?-1:1;heads[col].setAttribute('data-dir',dir>0?'asc':'desc');
    rows.sort(function(a,b){var x=a.cells[col].getAttribute('data-sort')||a.cells[col].textContent;
      var y=b.cells[col].getAttribute('data-sort')||b.cells[col].textContent;
      return (key==='num'?(Number(x)-Number(y)):x.localeCompare(y))*dir;});
    rows.forEach(function(r){body.appendChild(r);});});})(h);
})();`;

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${cspHash(SCRIPT)}`,
  `style-src ${cspHash(STYLE)}`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}<script>${SCRIPT}</script></body></html>`;
}

interface DashboardQuery {
  scan?: number;
  status?: Status;
  severity?: Severity;
}

export function registerDashboard(app: FastifyInstance, ctx: ApiContext): void {
  const requirements = ctx.reports ? new RequirementSummary(ctx.store, ctx.reports) : undefined;
  const html = { 200: { type: "string" }, 404: { type: "string" } } as const;
  app.get<{ Querystring: DashboardQuery }>(
    "/",
    {
      schema: {
        querystring: strictQuery({
          scan: SCAN_PARAM,
          status: { enum: [...STATUSES] },
          severity: { enum: [...SEVERITIES] },
        }),
        response: html,
      },
    },
    (req, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .header("content-security-policy", DASHBOARD_CSP)
        .send(page("dpscan", overview(ctx, req.query, requirements))),
  );
  // Browsers ask for it; an empty answer keeps their console clean.
  app.get("/favicon.ico", { schema: { response: { 204: { type: "null" } } } }, (_req, reply) =>
    reply.code(204).send(),
  );
  app.get<{ Params: { id: number } }>(
    "/findings/:id",
    {
      schema: {
        params: { type: "object", properties: { id: { type: "integer", minimum: 1 } }, required: ["id"] },
        response: html,
      },
    },
    (req, reply) => {
      const f = ctx.store.getFinding(req.params.id);
      reply.type("text/html; charset=utf-8").header("content-security-policy", DASHBOARD_CSP);
      if (!f) return reply.code(404).send(page("dpscan: not found", `<h1>No finding ${req.params.id}</h1>`));
      return reply.send(page(`dpscan: ${f.ruleId}`, evidencePage(f, ctx.store.findingResource(f.id))));
    },
  );
}

function overview(ctx: ApiContext, q: DashboardQuery, requirements: RequirementSummary | undefined): string {
  const { store } = ctx;
  const scan = q.scan === undefined ? store.latestCompleteScan() : store.getScan(q.scan);
  const running = ctx.scheduler.running;
  const parts = [`<h1>dpscan</h1>`];
  if (running)
    parts.push(
      `<p class="note">Scan ${running.scanId} (${esc(running.schedule)}) is running: ${running.unitsDone} of ${running.unitsPlanned} units collected.</p>`,
    );
  if (!scan) {
    parts.push(`<p>No complete scan yet${q.scan ? ` (no scan ${q.scan})` : ""}.</p>`);
    return parts.join("\n");
  }
  parts.push(
    `<p class="muted">Scan ${scan.id} · ${esc(scan.status)} · started ${esc(scan.startedAt)} · ${esc(clip(scan.source, 200))}</p>`,
  );
  parts.push(severityCards(store, scan));
  if (requirements) parts.push(frameworksSection(requirements.of(scan.id), scan.id));
  parts.push(trend(store, ctx.trendScans), gapsSection(store, scan));
  parts.push(findingsSection(store, scan, q));
  return parts.join("\n");
}

/** Each framework's requirements by status, with links to its reports of this scan. */
function frameworksSection(statuses: FrameworkStatus[], scanId: number): string {
  if (statuses.length === 0) return "";
  const rows = statuses
    .map((f) => {
      const n = (st: RequirementStatus): number => f.requirements[st];
      const link = (fmt: string): string =>
        `<a href="/api/reports/${encodeURIComponent(f.id)}?format=${fmt}&amp;scan=${scanId}">${fmt}</a>`;
      return `<tr><td>${esc(f.title)}</td>${REQUIREMENT_STATUSES.map((st) => `<td data-sort="${n(st)}">${n(st)}</td>`).join("")}<td>${["html", "md", "json", "csv"].map(link).join(" · ")}</td></tr>`;
    })
    .join("");
  return `<h2>Framework requirements</h2>
<table id="frameworks"><thead><tr><th>framework</th>${REQUIREMENT_STATUSES.map((st) => `<th>${esc(STATUS_LABELS[st])}</th>`).join("")}<th>report</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function severityCards(store: Store, scan: ScanRow): string {
  const counts = store.findingCounts(scan.id);
  const n = (status: Status, sev?: Severity): number =>
    counts
      .filter((c) => c.status === status && (!sev || c.severity === sev))
      .reduce((a, c) => a + c.count, 0);
  const cards = SEVERITIES.map((s) => `<div class="card ${s}"><b>${n("FAIL", s)}</b>${s}</div>`).join("");
  return `<h2>Failing findings by severity</h2><div class="cards" id="severity-cards">${cards}
<div class="card"><b>${n("UNKNOWN")}</b>unknown</div><div class="card"><b>${n("PASS")}</b>pass</div></div>`;
}

/** Open FAIL findings by severity per scan (stacked bars), with new and resolved below each. */
function trend(store: Store, n: number): string {
  const scans = store.recentCompleteScans(n).reverse();
  if (scans.length < 2)
    return `<h2>Trend</h2><p class="muted">The trend appears after two complete scans.</p>`;
  const data = scans.map((s) => {
    const counts = store.findingCounts(s.id).filter((c) => c.status === "FAIL");
    const change = scanChange(store, s.id);
    return {
      id: s.id,
      by: SEVERITIES.map((sev) => counts.filter((c) => c.severity === sev).reduce((a, c) => a + c.count, 0)),
      fresh: change.previousScanId === null ? null : change.newFails.length,
      resolved: change.resolved,
    };
  });
  const max = Math.max(1, ...data.map((d) => d.by.reduce((a, b) => a + b, 0)));
  const w = 48;
  const h = 140;
  const bars = data
    .map((d, i) => {
      let y = h;
      const rects = d.by
        .map((v, k) => {
          const bh = Math.round((v / max) * (h - 10));
          y -= bh;
          return bh > 0
            ? `<rect class="${SEVERITIES[k]}" x="${i * w + 8}" y="${y}" width="${w - 16}" height="${bh}"><title>${SEVERITIES[k]}: ${v}</title></rect>`
            : "";
        })
        .join("");
      return `${rects}<text x="${i * w + w / 2}" y="${h + 14}" text-anchor="middle" font-size="11">#${d.id}</text>`;
    })
    .join("");
  const rows = data
    .map(
      (d) =>
        `<tr><td>#${d.id}</td><td>${d.by.reduce((a, b) => a + b, 0)}</td><td>${d.fresh ?? "–"}</td><td>${d.resolved}</td></tr>`,
    )
    .join("");
  return `<h2>Trend (last ${data.length} complete scans)</h2>
<svg role="img" aria-label="open failing findings by severity per scan" width="${data.length * w}" height="${h + 20}">${bars}</svg>
<table id="trend"><thead><tr><th>scan</th><th>open FAIL</th><th>new</th><th>resolved</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function gapsSection(store: Store, scan: ScanRow): string {
  const gaps = store.coverage(scan.id).filter(isCoverageGap);
  if (gaps.length === 0) return `<h2>Coverage gaps</h2><p>None: every listing was read.</p>`;
  const rows = gaps
    .map(
      (g) =>
        `<tr><td>${esc(g.accountId)}</td><td>${esc(g.region)}</td><td>${esc(g.service)}</td><td>${esc(g.operation)}</td><td>${esc(g.status)}</td><td>${esc(g.errorCode)}</td></tr>`,
    )
    .join("");
  return `<h2>Coverage gaps (${gapCount(store, scan.id)})</h2><p class="muted">Not checked: their rules report UNKNOWN.</p>
<table id="gaps"><thead><tr><th>account</th><th>region</th><th>service</th><th>operation</th><th>status</th><th>error</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function findingsSection(store: Store, scan: ScanRow, q: DashboardQuery): string {
  const statuses: Status[] = q.status ? [q.status] : ["FAIL", "UNKNOWN"];
  const rows = store.queryFindings(scan.id, {
    statuses,
    ...(q.severity ? { minSeverity: q.severity } : {}),
    limit: TABLE_ROWS + 1,
  });
  const shown = rows.slice(0, TABLE_ROWS);
  const option = (v: string, sel: string | undefined): string =>
    `<option value="${v}"${v === sel ? " selected" : ""}>${v}</option>`;
  const form = `<form method="get" action="/"><input type="hidden" name="scan" value="${scan.id}">
<label>status <select name="status"><option value="">FAIL and UNKNOWN</option>${STATUSES.map((s) => option(s, q.status)).join("")}</select></label>
<label>severity at or above <select name="severity"><option value="">any</option>${SEVERITIES.map((s) => option(s, q.severity)).join("")}</select></label>
<button type="submit">Apply</button></form>
<div class="filters" id="live-filters" hidden><label>filter <input id="filter-text" type="search" placeholder="rule, account, resource…"></label>
<label>severity <select id="filter-severity"><option value="">any</option>${SEVERITIES.map((s) => option(s, undefined)).join("")}</select></label>
<span><span id="shown">${shown.length}</span> shown</span></div>`;
  const more =
    rows.length > TABLE_ROWS
      ? `<p class="note">Showing the first ${TABLE_ROWS}; narrow the filters or use /api/findings.</p>`
      : "";
  return `<h2>Findings</h2>${form}${more}
<table id="findings"><thead><tr><th data-key="text">status</th><th data-key="num">severity</th><th data-key="text">rule</th><th data-key="text">account</th><th data-key="text">region</th><th data-key="text">resource</th><th data-key="text">message</th></tr></thead>
<tbody>${shown.map(findingRow).join("\n")}</tbody></table>`;
}

function findingRow(f: FindingRow): string {
  const rank = SEVERITIES.length - SEVERITIES.indexOf(f.severity);
  return `<tr data-severity="${f.severity}"><td>${f.status}</td><td class="${f.severity}" data-sort="${rank}">${f.severity}</td><td>${esc(f.ruleId)}</td><td>${esc(f.accountId)}</td><td>${esc(f.region)}</td><td><a href="/findings/${f.id}">${esc(clip(f.resourceId, 120))}</a></td><td class="msg">${esc(clip(f.message, 400))}</td></tr>`;
}

function evidencePage(f: FindingRow, record: ResourceRecord | undefined): string {
  const rows: [string, string | null][] = [
    ["status", f.status],
    ["severity", f.severity],
    ["rule", f.ruleId],
    ["resource type", f.resourceType],
    ["resource", f.resourceId],
    ["ARN", f.arn],
    ["account", f.accountId],
    ["region", f.region],
    ["message", f.message],
  ];
  return `<p><a href="/?scan=${f.scanId}">← scan ${f.scanId}</a></p><h1>${esc(f.ruleId)}</h1>
<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${esc(v)}</td></tr>`).join("")}</table>
<h2>Evidence</h2><pre>${esc(bounded(JSON.stringify(f.evidence, null, 2)))}</pre>${record ? resourceSection(record) : ""}`;
}

/** Pretty JSON, cut at 200 KB (JSON escapes control characters, so newlines are the layout's). */
const bounded = (json: string): string => (json.length > 200_000 ? `${json.slice(0, 200_000)}\n…` : json);

/** The record as collected: name, tags and configuration, all owner-controlled, all escaped. */
function resourceSection(r: ResourceRecord): string {
  const tags = Object.entries(r.tags)
    .map(([k, v]) => `<tr><td>${esc(clip(k, 128))}</td><td>${esc(clip(v, 256))}</td></tr>`)
    .join("");
  return `<h2>Resource</h2><p>${esc(r.resourceType)} ${esc(r.resourceId)}${r.resourceName ? ` · <span id="resource-name">${esc(clip(r.resourceName, 256))}</span>` : ""} · captured ${esc(r.configurationItemCaptureTime)}</p>
${tags ? `<table id="tags"><thead><tr><th>tag</th><th>value</th></tr></thead><tbody>${tags}</tbody></table>` : "<p>No tags.</p>"}
<h3>Configuration</h3><pre>${esc(bounded(JSON.stringify(r.configuration, null, 2)))}</pre>`;
}
