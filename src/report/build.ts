// prepareReport: one stored scan + one framework + a scope → the report digest. Findings stream
// from the store in report order (src/store/report-queries.ts) and are counted, not kept: the
// digest holds tallies, statuses and the few findings shown in detail, and renderers read the
// findings again as they write them. Ordering is total and locale-free, and nothing here
// reads a clock (the waivers come decided, src/report/waived.ts), so the same scan, inputs and
// version give the same model.
import { createHash } from "node:crypto";
import { isCoverageGap, type CoverageRow } from "../model/coverage.js";
import { findingIdentity, type FindingRow } from "../model/finding.js";
import { GLOBAL_REGION } from "../model/resource-types.js";
import { severityRank, STATUSES, type Status } from "../model/severity.js";
import {
  findingsById,
  reportOrderFindings,
  type ReadPart,
  type ReportFindingRow,
} from "../store/report-queries.js";
import type { ScanRow, Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { VERSION } from "../version.js";
import { walkRequirements, type Framework, type Requirement } from "./frameworks.js";
import {
  REPORT_FORMAT_VERSION,
  REPORT_SCHEMA_ID,
  zeroCounts,
  zeroStatuses,
  type DigestRequirement,
  type FindingCounts,
  type ReportDigest,
  type ReportFinding,
  type ReportGap,
  type ReportModel,
  type ReportRequirement,
  type ReportRule,
  type ReportRun,
  type ReportWaiver,
  type ResolvedFinding,
} from "./model.js";
import { DETAIL_ROWS, TABLE_ROWS } from "./render-common.js";
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
  return materialize(prepareReport(store, scanId, framework, scope, waived));
}

/**
 * The report of one scan and framework with its findings read once, for their tallies and the
 * few shown in detail; the rest is read again, in report order, by whoever renders it.
 */
export function prepareReport(
  store: Store,
  scanId: number,
  framework: Framework,
  scope: ReportScope = WHOLE_SCAN,
  waived: Waived = NO_WAIVERS,
): ReportDigest {
  return prepareShared(store, scanId, [{ framework, scope }], waived).digests[0] as ReportDigest;
}

/**
 * Frameworks reported on one scan within one scope: their findings are read together, once per
 * pass, whichever frameworks list them.
 */
export interface SharedFindings {
  /** One digest per framework, in the order given. */
  digests: ReportDigest[];
  /**
   * The findings of every digest's rules in report order, one read: a digest's findings are those
   * of its rules, in this order, and each is the same object for every digest that lists it.
   */
  findings(): Iterable<ReportFinding>;
}

/**
 * The digests of several frameworks, those that share a scope sharing their reads of the
 * findings (with 24 of 29 rules in all four built-in frameworks, one read instead of four).
 * Groups come in the order of their first framework.
 */
export function prepareReports(
  store: Store,
  scanId: number,
  frameworks: readonly Framework[],
  scopeFor: (frameworkId: string) => ReportScope,
  waived: Waived = NO_WAIVERS,
): SharedFindings[] {
  return groupByScope(frameworks, scopeFor).map((g) => prepareShared(store, scanId, g, waived));
}

/** Frameworks grouped by scope, in the order of each group's first framework. */
export function groupByScope(
  frameworks: readonly Framework[],
  scopeFor: (frameworkId: string) => ReportScope,
): Scoped[][] {
  const groups = new Map<string, Scoped[]>();
  for (const framework of frameworks) {
    const scope = scopeFor(framework.id);
    const key = scopeKey(scope);
    const g = groups.get(key);
    if (g) g.push({ framework, scope });
    else groups.set(key, [{ framework, scope }]);
  }
  return [...groups.values()];
}

export interface Scoped {
  framework: Framework;
  scope: ReportScope;
}

/** Scopes that select the same findings (ScopeFilter reads its lists as sets); each report shows its own. */
function scopeKey(s: ReportScope): string {
  const sorted = (l: string[] | null): string[] | null => (l ? [...new Set(l)].sort(cmp) : null);
  return JSON.stringify([
    sorted(s.accounts),
    sorted(s.regions),
    [...new Set(s.tags.map((t) => JSON.stringify([t.key, t.value])))].sort(cmp),
  ]);
}

/**
 * The digests of frameworks that share a scope (groupByScope). `visit` sees each finding of the
 * tallying read, in report order, when it is counted.
 */
export function prepareShared(
  store: Store,
  scanId: number,
  group: readonly Scoped[],
  waived: Waived,
  visit?: (f: ReportFinding) => void,
): SharedFindings {
  const ctx = groupContext(store, scanId, group, waived);
  return digestsOf(ctx, tallyGroup(ctx, "all", visit));
}

/** What a group's reads and digests need: its frameworks, rules, scope filter and previous scan. */
export interface GroupContext {
  store: Store;
  scanId: number;
  scan: ScanRow;
  group: readonly Scoped[];
  waived: Waived;
  frameworks: Framework[];
  /** The union of the frameworks' rules; a rule's number in a spool is its index here. */
  ruleIds: string[];
  filter: ScopeFilter;
  previous: ScanRow | null;
  /** The previous scan's open results in scope: identity to row id and status, nothing else held. */
  before: PreviousOpen | null;
  /** The findings in scope, in report order: all of them, or one part (a split read). */
  read(part: ReadPart): Iterable<ReportFinding>;
  /** Some of the previous scan's open results in scope, by row id, read again (resolvedSince). */
  readPrevious(ids: readonly number[]): Iterable<ReportFinding>;
}

/**
 * The previous scan's open results. Whole findings were held here once: with two report threads,
 * 1M findings of a database with history peaked at 1.3 GB (bench/README.md, "Reports held the
 * previous scan's open results whole"). Now a result is one number, its row id × 2 (+1 for
 * UNKNOWN), a small integer that costs no more than a status did; the resolved list reads its
 * rows, a few percent of them, again by id (before, the whole previous scan: 2.5 s at 1M, w11).
 */
export interface PreviousOpen {
  byIdentity: Map<string, number>;
  /** A second result of an identity already taken (a scan should not have them, but may). */
  repeated: [identity: string, value: number][];
}

/** The status of a PreviousOpen value. */
export const previousStatus = (v: number): "FAIL" | "UNKNOWN" => (v % 2 === 1 ? "UNKNOWN" : "FAIL");
const previousRowId = (v: number): number => Math.floor(v / 2);

export function groupContext(
  store: Store,
  scanId: number,
  group: readonly Scoped[],
  waived: Waived,
): GroupContext {
  const scan = store.getScan(scanId);
  if (!scan) throw new UsageError(`no scan with id ${scanId}`);
  const frameworks = group.map((g) => g.framework);
  const scope = (group[0] as Scoped).scope;
  const ruleIds = [...new Set(frameworks.flatMap((f) => [...f.rules.keys()]))];
  const filter = new ScopeFilter(scope).prepare(store, scanId);
  const previous = store.previousCompleteScan(scanId) ?? null;
  const previousFilter = previous ? new ScopeFilter(scope).prepare(store, previous.id) : null;
  // Identities start with the rule ID, so one map of every framework's rules serves each.
  const before = previous && previousFilter ? previousOpen(store, previous, ruleIds, previousFilter) : null;
  const readPrevious = (ids: readonly number[]): Iterable<ReportFinding> =>
    previousFilter
      ? scopedFindings(findingsById(store, ids, previousFilter.byTag), previousFilter, NO_WAIVERS, null)
      : [];
  return {
    store,
    scanId,
    scan,
    group,
    waived,
    frameworks,
    ruleIds,
    filter,
    previous,
    before,
    readPrevious,
    read: (part) =>
      scopedFindings(reportOrderFindings(store, scanId, ruleIds, filter.byTag, part), filter, waived, before),
  };
}

/** The counts of one read of a group's findings, one tally per framework; `now`: the previous scan's open results seen, with their status now. */
export interface GroupTally {
  tallies: Tally[];
  now: Map<string, Status>;
}

/** Count a group's findings (`part` of them) into each framework's tally; `visit` sees each. */
export function tallyGroup(
  ctx: GroupContext,
  part: ReadPart,
  visit?: (f: ReportFinding) => void,
): GroupTally {
  const tallies = ctx.frameworks.map(() => newTally());
  const members = new Map<string, Tally[]>();
  for (const [i, fw] of ctx.frameworks.entries())
    for (const id of fw.rules.keys()) {
      const list = members.get(id);
      if (list) list.push(tallies[i] as Tally);
      else members.set(id, [tallies[i] as Tally]);
    }
  const now = new Map<string, Status>();
  for (const f of ctx.read(part)) {
    if (ctx.before?.byIdentity.has(f.identity)) now.set(f.identity, f.status);
    for (const t of members.get(f.ruleId) ?? []) count(t, f);
    visit?.(f);
  }
  return { tallies, now };
}

/** The tallies of two reads as one, `b`'s findings following `a`'s in report order (a split read). */
export function mergeTallies(a: GroupTally, b: GroupTally): GroupTally {
  return {
    tallies: a.tallies.map((x, i) => mergeTally(x, b.tallies[i] as Tally)),
    now: new Map([...a.now, ...b.now]),
  };
}

function mergeTally(a: Tally, b: Tally): Tally {
  const at = a.n;
  const rules = new Map(a.rules);
  for (const [id, rb] of b.rules) {
    const ra = rules.get(id);
    const runs = rb.runs.map((r) => ({ ...r, start: r.start + at, end: r.end + at }));
    const open = rb.open.map((o) => ({ at: o.at + at, finding: o.finding }));
    if (!ra) {
      rules.set(id, { ...rb, runs, open });
      continue;
    }
    const merged = [...ra.runs];
    for (const r of runs) {
      // A run that goes on across the split is one run, as count() would have made it.
      const last = merged.at(-1);
      if (last && last.status === r.status && last.rank === r.rank)
        merged[merged.length - 1] = { ...last, end: r.end };
      else merged.push(r);
    }
    rules.set(id, {
      counts: addCounts(ra.counts, rb.counts),
      newFindings: ra.newFindings + rb.newFindings,
      open: [...ra.open, ...open].slice(0, DETAIL_ROWS),
      runs: merged,
    });
  }
  const severities: Tally["severities"] = { FAIL: new Map(), UNKNOWN: new Map() };
  for (const s of ["FAIL", "UNKNOWN"] as const)
    for (const m of [a.severities[s], b.severities[s]])
      for (const [k, v] of m) severities[s].set(k, (severities[s].get(k) ?? 0) + v);
  return {
    n: a.n + b.n,
    counts: addCounts(a.counts, b.counts),
    newFindings: a.newFindings + b.newFindings,
    waived: a.waived + b.waived,
    rules,
    open: [...a.open, ...b.open].slice(0, TABLE_ROWS),
    severities,
    accounts: new Set([...a.accounts, ...b.accounts]),
    regions: new Set([...a.regions, ...b.regions]),
  };
}

function addCounts(a: FindingCounts, b: FindingCounts): FindingCounts {
  const out = zeroCounts();
  for (const s of STATUSES) out[s] = a[s] + b[s];
  return out;
}

/** The digests of a group from its tallies. */
export function digestsOf(ctx: GroupContext, tally: GroupTally): SharedFindings {
  const { store, scanId, scan, group, waived, frameworks, filter, previous, before } = ctx;
  const { tallies, now } = tally;
  const resolvedAll = before ? resolvedSince(ctx, before, now) : [];
  const all = (): Iterable<ReportFinding> => ctx.read("all");
  const coverage = store.coverage(scanId).filter((c) => filter.coverageIn(c));
  const legacy = store.hasLegacyCoverage(scanId);
  const stamps = new Map(store.scanRules(scanId).map((r) => [r.id, r]));
  const digests = frameworks.map((framework, i): ReportDigest => {
    const t = tallies[i] as Tally;
    const resolved =
      frameworks.length > 1 ? resolvedAll.filter((r) => framework.rules.has(r.ruleId)) : resolvedAll;
    const needed = new Set([...framework.rules.values()].flatMap((r) => r.resourceTypes));
    const gaps = coverageGaps(coverage, legacy).filter((g) =>
      g.resourceTypes.some((x) => x === ANY_TYPE || needed.has(x)),
    );
    const ctx: Context = { framework, tally: t, resolved, gaps, ran: new Set(stamps.keys()) };
    const requirements = buildRequirements(ctx);
    const rules: ReportRule[] = [...framework.rules.values()].map((r) => ({
      id: r.id,
      title: stamps.get(r.id)?.title ?? r.title,
      severity: stamps.get(r.id)?.severity ?? r.severity,
      sha256: stamps.get(r.id)?.sha256 ?? null,
      changedSinceScan: stamps.has(r.id) && stamps.get(r.id)?.sha256 !== r.sha256,
      resourceTypes: r.resourceTypes,
      remediation: r.remediation,
      counts: { ...(t.rules.get(r.id)?.counts ?? zeroCounts()) },
    }));
    const findings =
      frameworks.length === 1
        ? all
        : function* (): Generator<ReportFinding> {
            for (const f of all()) if (framework.rules.has(f.ruleId)) yield f;
          };
    return {
      $schema: REPORT_SCHEMA_ID,
      formatVersion: REPORT_FORMAT_VERSION,
      dpscanVersion: VERSION,
      framework: frameworkInfo(framework),
      scan: scanInfo(scan, [...stamps.values()]),
      previousScan: previous ? { id: previous.id, startedAt: previous.startedAt } : null,
      scope: scopeInfo((group[i] as Scoped).scope, coverage, t),
      summary: summarize(requirements, t, gaps, resolved),
      rules,
      requirements,
      resolved,
      gaps,
      waivers: reportWaivers(waived),
      findingCount: t.n,
      open: t.open,
      severities: t.severities,
      findings,
    };
  });
  return { digests, findings: all };
}

/** The whole model, every finding held: for callers that need it in memory (tests, the API). */
export function materialize(d: ReportDigest): ReportModel {
  const findings = [...d.findings()];
  return {
    $schema: d.$schema,
    formatVersion: d.formatVersion,
    dpscanVersion: d.dpscanVersion,
    framework: d.framework,
    scan: d.scan,
    previousScan: d.previousScan,
    scope: d.scope,
    summary: d.summary,
    rules: d.rules,
    requirements: d.requirements.map((r) => requirementModel(r, [...positions(r.ranges)])),
    findings,
    resolved: d.resolved,
    gaps: d.gaps,
    waivers: d.waivers,
  };
}

/** A digest whose findings are read once and held, so rendering it needs the store no more. */
export function inMemory(d: ReportDigest): ReportDigest {
  const all = [...d.findings()];
  return {
    ...d,
    findings: () => all,
  };
}

/** A requirement as the model (and its JSON) has it, with the given finding positions. */
export function requirementModel(r: DigestRequirement, findings: number[]): ReportRequirement {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    depth: r.depth,
    parentId: r.parentId,
    kind: r.kind,
    status: r.status,
    reasons: r.reasons,
    rules: r.rules,
    sources: r.sources,
    rationale: r.rationale,
    limits: r.limits,
    manual: r.manual,
    counts: r.counts,
    findings,
    gaps: r.gaps,
    resolved: r.resolved,
    newFindings: r.newFindings,
    rollup: r.rollup,
  };
}

export function* positions(ranges: readonly (readonly [number, number])[]): Generator<number> {
  for (const [a, b] of ranges) for (let i = a; i < b; i++) yield i;
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
  tally: Tally;
  resolved: ResolvedFinding[];
  gaps: ReportGap[];
  ran: ReadonlySet<string>;
}

/** One rule's in-scope results: counts, where they sit in report order, the first open ones. */
interface RuleTally {
  counts: FindingCounts;
  newFindings: number;
  open: { at: number; finding: ReportFinding }[];
  runs: ReportRun[];
}

/** What one read of the findings leaves: nothing that grows with their number but a few lists. */
interface Tally {
  n: number;
  counts: FindingCounts;
  newFindings: number;
  waived: number;
  rules: Map<string, RuleTally>;
  open: ReportFinding[];
  severities: ReportDigest["severities"];
  accounts: Set<string>;
  regions: Set<string>;
}

function newTally(): Tally {
  return {
    n: 0,
    counts: zeroCounts(),
    newFindings: 0,
    waived: 0,
    rules: new Map(),
    open: [],
    severities: { FAIL: new Map(), UNKNOWN: new Map() },
    accounts: new Set(),
    regions: new Set(),
  };
}

/** One finding, the next in the report's order, into its tally. */
function count(t: Tally, f: ReportFinding): void {
  const at = t.n++;
  let r = t.rules.get(f.ruleId);
  if (!r) t.rules.set(f.ruleId, (r = { counts: zeroCounts(), newFindings: 0, open: [], runs: [] }));
  const rank = severityRank(f.severity);
  const run = r.runs.at(-1);
  if (run && run.status === f.status && run.rank === rank) run.end = at + 1;
  else r.runs.push({ ruleId: f.ruleId, status: f.status, rank, start: at, end: at + 1 });
  r.counts[f.status]++;
  t.counts[f.status]++;
  if (f.isNew) {
    r.newFindings++;
    t.newFindings++;
  }
  if (f.waiver !== null) t.waived++;
  t.accounts.add(f.accountId);
  t.regions.add(f.region);
  if (f.status === "PASS") return;
  const bySeverity = t.severities[f.status];
  bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  if (r.open.length < DETAIL_ROWS) r.open.push({ at, finding: f });
  if (t.open.length < TABLE_ROWS) t.open.push(f);
}

function* scopedFindings(
  rows: Iterable<ReportFindingRow>,
  filter: ScopeFilter,
  waived: Waived,
  before: PreviousOpen | null,
  /** Given, it takes each yielded finding's row id, just before the finding is yielded. */
  rowIds?: { last: number },
): Generator<ReportFinding> {
  // A waiver is shown by its index in the report's list, which is the outcomes' (file) order.
  const index = new Map(waived.outcomes.map((o, i) => [o.waiver.position, i]));
  const text = new TextCache();
  for (const { finding, tags, tagsUnreadable } of rows) {
    const verdict = filter.findingIn(finding, tags, tagsUnreadable);
    if (!verdict) continue;
    const w = waived.byFinding.get(finding.id);
    const f = reportFinding(finding, verdict.note, w ? (index.get(w.position) ?? null) : null, text);
    if (before) {
      const v = before.byIdentity.get(f.identity);
      f.previousStatus = v === undefined ? null : previousStatus(v);
      f.isNew = f.status !== "PASS" && f.previousStatus === null;
    }
    if (rowIds) rowIds.last = finding.id;
    yield f;
  }
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

/** What was failing or unknown in the previous complete scan (same framework rules, same scope). */
function previousOpen(store: Store, previous: ScanRow, ruleIds: string[], filter: ScopeFilter): PreviousOpen {
  const before: PreviousOpen = { byIdentity: new Map(), repeated: [] };
  // "open": the index range of FAIL and UNKNOWN only (PASS rows were read and dropped).
  const rows = reportOrderFindings(store, previous.id, ruleIds, filter.byTag, "open");
  const row = { last: 0 };
  for (const f of scopedFindings(rows, filter, NO_WAIVERS, null, row)) {
    const v = row.last * 2 + (f.status === "UNKNOWN" ? 1 : 0);
    if (before.byIdentity.has(f.identity)) before.repeated.push([f.identity, v]);
    else before.byIdentity.set(f.identity, v);
  }
  return before;
}

/** The previous scan's open results that no longer are: PASS now, or gone. Only those are read and held. */
function resolvedSince(ctx: GroupContext, before: PreviousOpen, now: Map<string, Status>): ResolvedFinding[] {
  const ids: number[] = [];
  const take = (identity: string, v: number): void => {
    const status = now.get(identity);
    if (status !== "FAIL" && status !== "UNKNOWN") ids.push(previousRowId(v));
  };
  for (const [identity, v] of before.byIdentity) take(identity, v);
  for (const [identity, v] of before.repeated) take(identity, v);
  // Ascending ids: equal findings keep report order (its last term is the row id) through the sort.
  ids.sort((a, b) => a - b);
  const gone = [...ctx.readPrevious(ids)];
  const resolved: ResolvedFinding[] = [];
  for (const f of gone.sort(compareFindings)) {
    const status = now.get(f.identity);
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

function buildRequirements(ctx: Context): DigestRequirement[] {
  const out: DigestRequirement[] = [];
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

function descendants(all: DigestRequirement[], id: string): DigestRequirement[] {
  const kids = all.filter((r) => r.parentId === id);
  return kids.flatMap((k) => [k, ...descendants(all, k.id)]);
}

function assess(ctx: Context, r: Requirement, depth: number, parent: string | null): DigestRequirement {
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
  // Distinct rules have disjoint findings: a requirement's tallies are its rules' summed.
  const tallies = [...new Set(r.rules)].flatMap((id) => ctx.tally.rules.get(id) ?? []);
  const counts = zeroCounts();
  for (const t of tallies) for (const s of STATUSES) counts[s] += t.counts[s];
  const perRule = new Map(
    r.rules.map((id) => [id, { ...(ctx.tally.rules.get(id)?.counts ?? zeroCounts()) }]),
  );
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
  const open = tallies
    .flatMap((t) => t.open)
    .sort((a, b) => a.at - b.at)
    .slice(0, DETAIL_ROWS)
    .map((o) => o.finding);
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
    counts,
    gaps: kind === "rules" ? gapIdx : [],
    resolved: ctx.resolved.flatMap((f, i) => (rules.has(f.ruleId) ? [i] : [])),
    newFindings: tallies.reduce((n, t) => n + t.newFindings, 0),
    rollup: r.requirements.length > 0 ? zeroStatuses() : null,
    ranges: mergeRanges(tallies.flatMap((t) => t.runs.map((x): [number, number] => [x.start, x.end]))),
    open,
    openTotal: counts.FAIL + counts.UNKNOWN,
  };
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    const last = out.at(-1);
    if (last && last[1] === a) last[1] = b;
    else out.push([a, b]);
  }
  return out;
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

function scopeInfo(scope: ReportScope, coverage: CoverageRow[], t: Tally): ReportModel["scope"] {
  const accounts = new Set<string>();
  const regions = new Set<string>();
  for (const c of coverage) {
    accounts.add(c.accountId);
    regions.add(c.region);
  }
  for (const a of t.accounts) accounts.add(a);
  for (const r of t.regions) regions.add(r);
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
  requirements: DigestRequirement[],
  t: Tally,
  gaps: ReportGap[],
  resolved: ResolvedFinding[],
): ReportModel["summary"] {
  const statuses = zeroStatuses();
  for (const r of requirements) if (r.status) statuses[r.status]++;
  return {
    requirements: statuses,
    findings: { ...t.counts },
    gaps: gaps.length,
    newFindings: t.newFindings,
    resolvedFindings: resolved.length,
    waivedFindings: t.waived,
  };
}
