// buildReport: one stored scan + one framework + a scope → the report model. Findings stream from
// the store once; only the scan's in-scope results of the framework's rules are kept, each once,
// and requirements refer to them by index. Ordering is total and locale-free, and nothing here
// reads a clock (the waivers come decided, src/report/waived.ts), so the same scan, inputs and
// version give the same model.
import { createHash } from "node:crypto";
import { isCoverageGap, type CoverageRow } from "../model/coverage.js";
import { findingIdentity, type FindingRow } from "../model/finding.js";
import { GLOBAL_REGION } from "../model/resource-types.js";
import { severityRank, type Status } from "../model/severity.js";
import type { ScanRow, Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { VERSION } from "../version.js";
import { walkRequirements, type Framework, type Requirement } from "./frameworks.js";
import {
  REPORT_FORMAT_VERSION,
  REPORT_SCHEMA_ID,
  zeroCounts,
  zeroStatuses,
  type FindingCounts,
  type ReportFinding,
  type ReportGap,
  type ReportModel,
  type ReportRequirement,
  type ReportRule,
  type ReportWaiver,
  type ResolvedFinding,
} from "./model.js";
import { ScopeFilter, WHOLE_SCAN, type ReportScope } from "./scope.js";
import { requirementStatus } from "./status.js";
import { LIMITS, untrusted } from "./untrusted.js";
import { NO_WAIVERS, type Waived } from "./waived.js";

const STATUS_ORDER: Record<Status, number> = { FAIL: 0, UNKNOWN: 1, PASS: 2 };
/** A gap row written before rows named their types: it may hide any type. */
const ANY_TYPE = "*";

export function buildReport(
  store: Store,
  scanId: number,
  framework: Framework,
  scope: ReportScope = WHOLE_SCAN,
  waived: Waived = NO_WAIVERS,
): ReportModel {
  const scan = store.getScan(scanId);
  if (!scan) throw new UsageError(`no scan with id ${scanId}`);
  const ruleIds = [...framework.rules.keys()];
  const filter = new ScopeFilter(scope).prepare(store, scanId);
  const findings = scopedFindings(store, scanId, ruleIds, filter, waived).sort(compareFindings);
  const previous = store.previousCompleteScan(scanId) ?? null;
  const resolved = previous ? compareWithPrevious(store, previous, ruleIds, scope, findings) : [];
  const coverage = store.coverage(scanId).filter((c) => filter.coverageIn(c));
  const needed = new Set([...framework.rules.values()].flatMap((r) => r.resourceTypes));
  const gaps = coverageGaps(coverage, store.hasLegacyCoverage(scanId)).filter((g) =>
    g.resourceTypes.some((t) => t === ANY_TYPE || needed.has(t)),
  );
  const stamps = new Map(store.scanRules(scanId).map((r) => [r.id, r]));
  const ctx: Context = {
    framework,
    findings,
    resolved,
    gaps,
    ran: new Set(stamps.keys()),
    byRule: byRule(findings),
  };
  const requirements = buildRequirements(ctx);
  const rules: ReportRule[] = [...framework.rules.values()].map((r) => ({
    id: r.id,
    title: stamps.get(r.id)?.title ?? r.title,
    severity: stamps.get(r.id)?.severity ?? r.severity,
    sha256: stamps.get(r.id)?.sha256 ?? null,
    changedSinceScan: stamps.has(r.id) && stamps.get(r.id)?.sha256 !== r.sha256,
    resourceTypes: r.resourceTypes,
    remediation: r.remediation,
    counts: countsOf(ctx.byRule.get(r.id) ?? [], findings),
  }));
  return {
    $schema: REPORT_SCHEMA_ID,
    formatVersion: REPORT_FORMAT_VERSION,
    dpscanVersion: VERSION,
    framework: frameworkInfo(framework),
    scan: scanInfo(scan, [...stamps.values()]),
    previousScan: previous ? { id: previous.id, startedAt: previous.startedAt } : null,
    scope: scopeInfo(scope, coverage, findings),
    summary: summarize(requirements, findings, gaps, resolved),
    rules,
    requirements,
    findings,
    resolved,
    gaps,
    waivers: reportWaivers(waived),
  };
}

/** The waivers in force as reports (and the evidence pack) show them, in file order. */
export function reportWaivers(waived: Waived): ReportWaiver[] {
  return waived.outcomes.map(reportWaiver);
}

function reportWaiver(o: Waived["outcomes"][number]): ReportWaiver {
  const w = o.waiver;
  const text = (s: string | undefined, max: number): string | null =>
    s === undefined ? null : untrusted(s, max);
  return {
    source: untrusted(w.source, LIMITS.id),
    rule: untrusted(w.rule, LIMITS.id),
    account: text(w.account, 64),
    region: text(w.region, 64),
    resource: text(w.resource, LIMITS.id),
    tags: w.tags
      ? Object.fromEntries(Object.entries(w.tags).map(([k, v]) => [untrusted(k, 256), untrusted(v, 256)]))
      : null,
    justification: untrusted(w.justification, LIMITS.message),
    approver: untrusted(w.approver, LIMITS.id),
    expires: w.expires,
    state: o.state,
    matched: o.matched,
  };
}

interface Context {
  framework: Framework;
  findings: ReportFinding[];
  resolved: ResolvedFinding[];
  gaps: ReportGap[];
  ran: ReadonlySet<string>;
  /** Rule ID → indexes of its findings, ascending. */
  byRule: Map<string, number[]>;
}

function scopedFindings(
  store: Store,
  scanId: number,
  ruleIds: string[],
  filter: ScopeFilter,
  waived: Waived,
): ReportFinding[] {
  // A waiver is shown by its index in the report's list, which is the outcomes' (file) order.
  const index = new Map(waived.outcomes.map((o, i) => [o.waiver.position, i]));
  const out: ReportFinding[] = [];
  const text = new TextCache();
  const rows = store.iterateFindingsWithTags(scanId, ruleIds, undefined, filter.byTag);
  for (const { finding, tags, tagsUnreadable } of rows) {
    const verdict = filter.findingIn(finding, tags, tagsUnreadable);
    const w = waived.byFinding.get(finding.id);
    if (verdict)
      out.push(reportFinding(finding, verdict.note, w ? (index.get(w.position) ?? null) : null, text));
  }
  return out;
}

/**
 * Report text of the few values findings repeat (rule, account, region, message): cleaned once and
 * shared, so a million findings hold a few thousand strings instead of millions of copies. Bounded:
 * past MAX distinct values a field is cleaned per finding as before.
 */
class TextCache {
  private static readonly MAX = 4096;
  private readonly maps = new Map<number, Map<string, string>>();
  private readonly trusted = new Map<string, string>();

  get(s: string, max: number): string {
    let m = this.maps.get(max);
    if (!m) this.maps.set(max, (m = new Map()));
    let v = m.get(s);
    if (v === undefined) {
      v = untrusted(s, max);
      if (m.size < TextCache.MAX) m.set(s, v);
    }
    return v;
  }

  /** Trusted values (rule IDs, statuses, types): only shared, never altered. */
  same<T extends string>(s: T): T {
    const v = this.trusted.get(s);
    if (v !== undefined) return v as T;
    if (this.trusted.size < TextCache.MAX) this.trusted.set(s, s);
    return s;
  }
}

function reportFinding(
  f: Omit<FindingRow, "evidence">,
  scopeNote: ReportFinding["scopeNote"],
  waiver: number | null,
  text: TextCache,
): ReportFinding {
  return {
    identity: untrusted(findingIdentity(f), LIMITS.id * 2),
    ruleId: text.same(f.ruleId),
    status: text.same(f.status),
    severity: text.same(f.severity),
    resourceType: text.same(f.resourceType),
    resourceId: untrusted(f.resourceId, LIMITS.id),
    arn: f.arn === null ? null : untrusted(f.arn, LIMITS.id),
    accountId: text.get(f.accountId, 64),
    region: text.get(f.region, 64),
    message: text.get(f.message, LIMITS.message),
    scopeNote,
    previousStatus: null,
    isNew: false,
    waiver,
  };
}

/** FAIL, UNKNOWN, PASS; then severity, rule, account, region, resource — by code point, never by locale. */
function compareFindings(a: ReportFinding, b: ReportFinding): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    severityRank(b.severity) - severityRank(a.severity) ||
    cmp(a.ruleId, b.ruleId) ||
    cmp(a.accountId, b.accountId) ||
    cmp(a.region, b.region) ||
    cmp(a.resourceType, b.resourceType) ||
    cmp(a.resourceId, b.resourceId) ||
    cmp(a.identity, b.identity)
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Marks each current finding with its previous status and returns what was failing or unknown in
 * the previous complete scan (same framework rules, same scope) and no longer is.
 */
function compareWithPrevious(
  store: Store,
  previous: ScanRow,
  ruleIds: string[],
  scope: ReportScope,
  current: ReportFinding[],
): ResolvedFinding[] {
  const before = new Map<string, ReportFinding>();
  for (const f of scopedFindings(
    store,
    previous.id,
    ruleIds,
    new ScopeFilter(scope).prepare(store, previous.id),
    NO_WAIVERS,
  ))
    if (f.status !== "PASS") before.set(f.identity, f);
  const now = new Map<string, Status>();
  for (const f of current) {
    const was = before.get(f.identity)?.status;
    f.previousStatus = was === "FAIL" || was === "UNKNOWN" ? was : null;
    f.isNew = f.status !== "PASS" && f.previousStatus === null;
    now.set(f.identity, f.status);
  }
  const resolved: ResolvedFinding[] = [];
  for (const f of [...before.values()].sort(compareFindings)) {
    const status = now.get(f.identity);
    if (status === "FAIL" || status === "UNKNOWN") continue;
    resolved.push({
      identity: f.identity,
      ruleId: f.ruleId,
      previousStatus: f.status as "FAIL" | "UNKNOWN",
      resourceType: f.resourceType,
      resourceId: f.resourceId,
      arn: f.arn,
      accountId: f.accountId,
      region: f.region,
      previousMessage: f.message,
      status: status === "PASS" ? "PASS" : null,
    });
  }
  return resolved;
}

function coverageGaps(rows: CoverageRow[], legacy: boolean): ReportGap[] {
  return rows.filter(isCoverageGap).map((c) => ({
    accountId: c.accountId,
    region: c.region,
    scope: c.scope,
    service: c.service,
    operation: c.operation,
    status: c.status,
    errorCode: c.errorCode === null || c.errorCode === undefined ? null : untrusted(c.errorCode, 100),
    errorMessage:
      c.errorMessage === null || c.errorMessage === undefined
        ? null
        : untrusted(c.errorMessage, LIMITS.error),
    resourceTypes: c.resourceTypes.length === 0 && legacy ? [ANY_TYPE] : [...c.resourceTypes],
  }));
}

function byRule(findings: ReportFinding[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  findings.forEach((f, i) => {
    const list = m.get(f.ruleId);
    if (list) list.push(i);
    else m.set(f.ruleId, [i]);
  });
  return m;
}

function countsOf(indexes: readonly number[], findings: readonly ReportFinding[]): FindingCounts {
  const c = zeroCounts();
  for (const i of indexes) c[(findings[i] as ReportFinding).status]++;
  return c;
}

function buildRequirements(ctx: Context): ReportRequirement[] {
  const out: ReportRequirement[] = [];
  for (const { requirement, depth, parent } of walkRequirements(ctx.framework.requirements))
    out.push(assess(ctx, requirement, depth, parent));
  // Headings roll up the statuses of everything below them.
  for (const h of out.filter((r) => r.kind === "heading" || r.rollup !== null)) {
    const rollup = zeroStatuses();
    for (const r of descendants(out, h.id)) if (r.status) rollup[r.status]++;
    h.rollup = rollup;
  }
  return out;
}

function descendants(all: ReportRequirement[], id: string): ReportRequirement[] {
  const kids = all.filter((r) => r.parentId === id);
  return kids.flatMap((k) => [k, ...descendants(all, k.id)]);
}

function assess(ctx: Context, r: Requirement, depth: number, parent: string | null): ReportRequirement {
  const kind = r.rules.length > 0 ? "rules" : r.manual !== null ? "manual" : "heading";
  const types = [
    ...new Set(r.rules.flatMap((id) => ctx.framework.rules.get(id)?.resourceTypes ?? [])),
  ].sort();
  const gapIdx = ctx.gaps.flatMap((g, i) =>
    g.resourceTypes.some((t) => t === ANY_TYPE || types.includes(t)) ? [i] : [],
  );
  const gapTypes = [...new Set(gapIdx.flatMap((i) => (ctx.gaps[i] as ReportGap).resourceTypes))]
    .filter((t) => t === ANY_TYPE || types.includes(t))
    .map((t) => (t === ANY_TYPE ? "unrecorded types" : t))
    .sort();
  const findings = [...new Set(r.rules.flatMap((id) => ctx.byRule.get(id) ?? []))].sort((a, b) => a - b);
  const perRule = new Map(r.rules.map((id) => [id, countsOf(ctx.byRule.get(id) ?? [], ctx.findings)]));
  const judged =
    kind === "heading"
      ? null
      : requirementStatus({
          manual: kind === "manual",
          perRule,
          gaps: gapIdx.length,
          gapTypes,
          notRun: r.rules.filter((id) => !ctx.ran.has(id)),
          resourceTypes: types,
        });
  const rules = new Set(r.rules);
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    depth,
    parentId: parent,
    kind,
    status: judged?.status ?? null,
    reasons: judged?.reasons ?? [],
    rules: r.rules,
    sources: r.sources,
    rationale: r.rationale,
    limits: r.limits,
    manual: r.manual,
    counts: countsOf(findings, ctx.findings),
    findings,
    gaps: kind === "rules" ? gapIdx : [],
    resolved: ctx.resolved.flatMap((f, i) => (rules.has(f.ruleId) ? [i] : [])),
    newFindings: findings.filter((i) => (ctx.findings[i] as ReportFinding).isNew).length,
    rollup: r.requirements.length > 0 ? zeroStatuses() : null,
  };
}

function frameworkInfo(f: Framework): ReportModel["framework"] {
  return {
    id: f.id,
    title: f.title,
    standard: f.standard,
    version: f.version,
    publisher: f.publisher,
    url: f.url,
    description: f.description,
    file: `${f.id}.yaml`,
    sha256: f.sha256,
    sources: f.sources,
    decisions: f.decisions,
  };
}

function scanInfo(scan: ScanRow, stamps: { id: string; sha256: string }[]): ReportModel["scan"] {
  const h = createHash("sha256");
  for (const s of [...stamps].sort((a, b) => cmp(a.id, b.id))) h.update(`${s.id} ${s.sha256}\n`);
  return {
    id: scan.id,
    kind: scan.kind,
    status: scan.status,
    source: untrusted(scan.source, LIMITS.message),
    startedAt: scan.startedAt,
    finishedAt: scan.finishedAt,
    dpscanVersion: scan.dpscanVersion,
    ruleSetSha256: h.digest("hex"),
    ruleCount: stamps.length,
  };
}

function scopeInfo(
  scope: ReportScope,
  coverage: CoverageRow[],
  findings: ReportFinding[],
): ReportModel["scope"] {
  const accounts = new Set<string>();
  const regions = new Set<string>();
  for (const list of [coverage, findings])
    for (const x of list) {
      accounts.add(x.accountId);
      regions.add(x.region);
    }
  const real = (s: Set<string>, skip: string[]): string[] =>
    [...s].filter((v) => !skip.includes(v)).sort(cmp);
  return {
    accounts: scope.accounts ? [...scope.accounts].sort(cmp) : null,
    regions: scope.regions ? [...scope.regions].sort(cmp) : null,
    // What the user typed, shown on the report: bounded and stripped like text from AWS.
    tags: scope.tags
      .map((t) => ({ key: untrusted(t.key, 256), value: untrusted(t.value, 256) }))
      .sort((a, b) => cmp(a.key, b.key) || cmp(a.value, b.value)),
    accountsSeen: real(accounts, ["*"]),
    regionsSeen: real(regions, ["*", GLOBAL_REGION]),
    services: [...new Set(coverage.map((c) => c.service))].sort(cmp),
  };
}

function summarize(
  requirements: ReportRequirement[],
  findings: ReportFinding[],
  gaps: ReportGap[],
  resolved: ResolvedFinding[],
): ReportModel["summary"] {
  const statuses = zeroStatuses();
  for (const r of requirements) if (r.status) statuses[r.status]++;
  const counts = zeroCounts();
  for (const f of findings) counts[f.status]++;
  return {
    requirements: statuses,
    findings: counts,
    gaps: gaps.length,
    newFindings: findings.filter((f) => f.isNew).length,
    resolvedFindings: resolved.length,
    waivedFindings: findings.filter((f) => f.waiver !== null).length,
  };
}
