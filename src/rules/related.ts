// Cross-resource facts for the `related` condition. References are declared once per type
// (src/model/references.ts); one pass over a scan's records resolves each to its target (a KMS key
// ID, key ARN, alias name or alias ARN becomes the key, in whatever scanned account and region it
// lives; other targets, such as IAM policies, are named by ARN) and indexes the edges both ways. The index holds identities, edges and the few paths the
// rules' `where` conditions read, never whole records, so a large scan stays linear and small.
import { isCoverageGap, type CoverageInput } from "../model/coverage.js";
import { asUnreadable, type JsonObject } from "../model/resource.js";
import { REFERENCES, referencesOf, referenceTarget, type ReferenceDef } from "../model/references.js";
import { GLOBAL_REGION, RESOURCE_TYPES } from "../model/resource-types.js";
import { boundJson } from "../model/normalize.js";
import { describeUnreadable, evaluateCondition } from "./conditions/evaluate.js";
import type { EvalContext, Outcome, RelatedRecords, RelatedSpec } from "./conditions/types.js";
import { compilePath, resolvePath, type CompiledPath } from "./paths.js";
import { clip } from "../util/text.js";

/** A record as the index keeps it: the envelope plus the paths `where` conditions read. */
type Sparse = Record<string, unknown>;

const identityText = (r: Sparse): string =>
  [r.awsAccountId, r.awsRegion, r.resourceType, r.arn ?? r.resourceId].map((v) => str(v) ?? "").join("|");
const byIdentity = (a: Sparse, b: Sparse): number => {
  const [x, y] = [identityText(a), identityText(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

interface Target {
  record: Sparse;
  /** Alias names, for sentences. */
  aliases: string[];
}

interface Unresolved {
  count: number;
  first: string;
}

/** What the rules need from the index: the paths their `where` conditions read on each side. */
export interface RelatedPlan {
  targetReads: CompiledPath[];
  sourceReads: CompiledPath[];
  /** Types pass 1 must see: reference sources and targets. */
  types: string[];
}

const MAX_LISTED = 10;
const MAX_EVIDENCE_ITEMS = 50;
const ENVELOPE = ["resourceType", "resourceId", "resourceName", "arn", "awsAccountId", "awsRegion"];
const KMS_ARN = /^arn:[^:]+:kms:([^:]*):(\d{12}):(key|alias)\/(.+)$/;

export type Resolution = { key: string } | { unresolved: string; account: string; region: string };

export class RelatedIndex implements RelatedRecords {
  readonly kind = "related-index";
  private readonly targets = new Map<string, Target>();
  private readonly aliases = new Map<string, string>();
  /** `${via}|${target key}` → the records that refer to it. */
  private readonly incoming = new Map<string, Sparse[]>();
  /** `${via}|${type}|${account}|${region}` → references there that named nothing collected. */
  private readonly unresolved = new Map<string, Unresolved>();
  private readonly pending: { via: string; source: Sparse; value: string }[] = [];
  private gaps: CoverageInput[];

  constructor(
    private readonly plan: Pick<RelatedPlan, "targetReads" | "sourceReads">,
    gaps: readonly CoverageInput[] = [],
  ) {
    this.gaps = gaps.filter(isCoverageGap);
  }

  /** An index of a few records (rule examples, one-off evaluation) with every path kept. */
  static of(records: Iterable<unknown>, gaps: readonly CoverageInput[] = []): RelatedIndex {
    const all = [compilePath("@")];
    const index = new RelatedIndex({ targetReads: all, sourceReads: all }, gaps);
    for (const r of records) index.add(r);
    return index.finish();
  }

  /** Pass 1: call for every record of the plan's types, then finish(). */
  add(record: unknown): void {
    const type = str(field(record, "resourceType"));
    if (type === RESOURCE_TYPES.kmsKey) this.addKey(record);
    else if (type && TARGET_TYPES.has(type)) this.addByArn(record);
    for (const ref of referencesOf(type ?? "")) {
      const got = referenceValues(ref, record);
      const source = project(record, this.plan.sourceReads);
      if ("unreadable" in got) {
        this.noteUnresolved(ref.name, source, "*", got.unreadable);
        continue;
      }
      for (const value of got.values) this.pending.push({ via: ref.name, source, value });
    }
  }

  /**
   * After the last add(). `gaps`, given, replace the constructor's: an index built while the scan
   * was still being collected learns them only at the end (judge.ts JudgeAhead).
   */
  finish(gaps?: readonly CoverageInput[]): this {
    if (gaps) this.gaps = gaps.filter(isCoverageGap);
    for (const { via, source, value } of this.pending.splice(0)) {
      const [account, region] = [str(source.awsAccountId) ?? "", str(source.awsRegion) ?? ""];
      const r = this.resolve(value, account, region);
      if ("unresolved" in r) {
        this.noteUnresolved(
          via,
          { ...source, awsAccountId: r.account, awsRegion: r.region },
          r.account,
          r.unresolved,
        );
        continue;
      }
      const k = `${via}|${r.key}`;
      const list = this.incoming.get(k);
      if (list) list.push(source);
      else this.incoming.set(k, [source]);
    }
    // Referrers in a fixed order, not the order records were stored (which follows collection
    // timing): the same resources give the same messages, whichever scan or merge stored them.
    for (const list of this.incoming.values()) if (list.length > 1) list.sort(byIdentity);
    return this;
  }

  /** A key ID, key ARN, alias name or alias ARN, as written in a record of `account`/`region`. */
  resolve(value: string, account: string, region: string): Resolution {
    const m = KMS_ARN.exec(value);
    if (m) {
      const [, r = "", a = "", kind, rest = ""] = m;
      return kind === "key" ? { key: `${a}:${r}:${rest}` } : this.alias(`alias/${rest}`, a, r);
    }
    if (value.startsWith("alias/")) return this.alias(value, account, region);
    if (value.startsWith("arn:")) return { key: value };
    return { key: `${account}:${region}:${value}` };
  }

  private alias(name: string, account: string, region: string): Resolution {
    const key = this.aliases.get(`${account}:${region}:${name}`);
    return key
      ? { key }
      : {
          unresolved: `${name} names no collected KMS key in ${account}/${region}`,
          account,
          region,
        };
  }

  // Several rules follow the same reference of the record being judged (a rule's appliesWhen and
  // failWhen, its evidence): resolved once per record. Records are not changed while judged.
  private linksRecord: unknown;
  private readonly links = new Map<string, Link[]>();

  /** `compute(via, record, this)`, remembered for the last record asked about. */
  linksOf(
    via: string,
    record: unknown,
    compute: (via: string, record: unknown, index: this) => Link[],
  ): Link[] {
    if (record !== this.linksRecord) {
      this.linksRecord = record;
      this.links.clear();
    }
    let hit = this.links.get(via);
    if (!hit) {
      hit = compute(via, record, this);
      this.links.set(via, hit);
    }
    return hit;
  }

  target(key: string): Target | undefined {
    return this.targets.get(key);
  }

  referrers(via: string, key: string): readonly Sparse[] {
    return this.incoming.get(`${via}|${key}`) ?? [];
  }

  unresolvedIn(via: string, type: string, account: string, region: string): Unresolved[] {
    return [account, "*"].flatMap((a) => {
      const u = this.unresolved.get(`${via}|${type}|${a}|${region}`);
      return u ? [u] : [];
    });
  }

  /** A coverage gap that hid records of this type in this account and region. */
  gapFor(type: string, account: string, region: string): CoverageInput | undefined {
    return this.gaps.find(
      (g) =>
        g.resourceTypes.includes(type) &&
        (g.scope === "aggregator" ||
          (g.accountId === account && (g.scope === "account" || g.region === region))),
    );
  }

  private addKey(record: unknown): void {
    const id = targetIdentity(record);
    if (!id) return;
    const raw = field(field(record, "supplementaryConfiguration"), "Aliases");
    const aliases = Array.isArray(raw) ? raw.filter((a): a is string => typeof a === "string") : [];
    this.targets.set(id.key, { record: project(record, this.plan.targetReads), aliases });
    for (const a of aliases) this.aliases.set(`${id.account}:${id.region}:${a}`, id.key);
  }

  private addByArn(record: unknown): void {
    const id = targetIdentity(record);
    if (id) this.targets.set(id.key, { record: project(record, this.plan.targetReads), aliases: [] });
  }

  private noteUnresolved(via: string, source: Sparse, account: string, reason: string): void {
    const k = `${via}|${str(source.resourceType) ?? ""}|${account}|${str(source.awsRegion) ?? ""}`;
    const u = this.unresolved.get(k);
    const text = `${label(source)}: ${reason}`;
    // The first in sorted order, for the same reason as the referrers' order (see finish()).
    if (u) {
      u.count++;
      if (text < u.first) u.first = text;
    } else this.unresolved.set(k, { count: 1, first: text });
  }
}

/** Types some reference points to; KMS keys are keyed by account:region:keyId, the others by ARN. */
const TARGET_TYPES = new Set<string>(
  Object.values(REFERENCES).flatMap((defs) => (defs ?? []).map((r) => r.to)),
);

/** The index key of a target record: account:region:keyId for a KMS key, else its ARN. */
function targetIdentity(record: unknown): { key: string; account: string; region: string } | undefined {
  const account = str(field(record, "awsAccountId"));
  const region = str(field(record, "awsRegion"));
  const id = str(field(record, "resourceId"));
  if (!account || !region || !id) return undefined;
  if (str(field(record, "resourceType")) === RESOURCE_TYPES.kmsKey)
    return { key: `${account}:${region}:${id}`, account, region };
  const arn = str(field(record, "arn"));
  return arn ? { key: arn, account, region } : undefined;
}

/** The account and region a target key names (ARN keys: IAM ARNs have no region, as "global"). */
function placeOf(key: string, account: string, region: string): [string, string] {
  if (key.startsWith("arn:")) {
    const [, , , r = "", a = ""] = key.split(":");
    return [a || account, r || GLOBAL_REGION];
  }
  const [a = account, r = region] = key.split(":");
  return [a, r];
}

function referenceValues(ref: ReferenceDef, record: unknown): { values: string[] } | { unreadable: string } {
  const r = resolvePath(compilePath(ref.path), record);
  if (r.kind === "unreadable") return { unreadable: describeUnreadable(r.at || ref.path, r.info) };
  const raw = Array.isArray(r.value) ? r.value : [r.value];
  const values = raw.filter((v): v is string => typeof v === "string" && v !== "");
  if (values.length === 0 && ref.whenAbsent && (r.value === undefined || r.value === null))
    return { values: [ref.whenAbsent] };
  return { values };
}

/** The envelope plus the subtrees the given paths read (a marker on the way is kept as is). */
function project(record: unknown, reads: readonly CompiledPath[]): Sparse {
  const out: Sparse = {};
  for (const k of ENVELOPE) out[k] = field(record, k) ?? null;
  for (const p of reads) {
    for (const chain of p.pure ? [p.chain] : p.roots) {
      if (chain.length === 0) return { ...(record as Sparse) };
      copyChain(record, out, chain);
    }
  }
  return out;
}

function copyChain(src: unknown, dst: Sparse, chain: readonly string[]): void {
  let s = src;
  let d = dst;
  for (let i = 0; i < chain.length; i++) {
    if (!isObject(s) || asUnreadable(s)) return;
    const k = chain[i] as string;
    const v = s[k];
    if (i === chain.length - 1 || !isObject(v) || asUnreadable(v)) {
      d[k] = v;
      return;
    }
    const next = isObject(d[k]) ? (d[k] as Sparse) : {};
    d[k] = next;
    d = next;
    s = v;
  }
}

type Judge = (record: Sparse) => Outcome;

/** Judge a `related` condition: true when a related record matches its `where` (Kleene "any"). */
export function evaluateRelated(c: RelatedSpec, ctx: EvalContext, explain = true): Outcome {
  // Without the scan's index nothing about other records is known: unknown, never a quiet PASS.
  const index = ctx.related;
  if (!(index instanceof RelatedIndex))
    return outcome("unknown", { unknownReasons: ["the scan's related records were not indexed"] });
  const judge = judgeOfWhere(c, ctx);
  return c.direction === "forward"
    ? forward(c, ctx.record, index, judge, explain)
    : reverse(c, ctx.record, index, judge, explain);
}

/**
 * The `where` judge of a related condition on a linked record. Judged once per linked record for
 * a prepared rule (ctx.memo): many records refer to one key, and its judgement is the same for all.
 */
function judgeOfWhere(c: RelatedSpec, ctx: EvalContext): Judge {
  const where = c.where;
  if (!where) return () => ALWAYS;
  const memo = ctx.memo;
  if (!memo) return (record) => evaluateCondition(where, { ...ctx, record });
  let seen = memo.get(where);
  if (!seen) memo.set(where, (seen = new Map()));
  const known = seen;
  return (record) => {
    let o = known.get(record);
    if (!o) {
      o = evaluateCondition(where, { ...ctx, record });
      known.set(record, o);
    }
    return o;
  };
}

/** The targets (or reasons) of a record's `via` references, in reference and value order. */
function forwardLinks(via: string, record: unknown, index: RelatedIndex): Link[] {
  const account = str(field(record, "awsAccountId")) ?? "";
  const region = str(field(record, "awsRegion")) ?? "";
  const links: Link[] = [];
  for (const ref of referencesOf(str(field(record, "resourceType")) ?? "").filter((r) => r.name === via)) {
    const got = referenceValues(ref, record);
    if ("unreadable" in got) {
      links.push({ reason: got.unreadable });
      continue;
    }
    for (const value of got.values) {
      const r = index.resolve(value, account, region);
      const key = "key" in r ? r.key : undefined;
      const target = key ? index.target(key) : undefined;
      if (target) {
        links.push({ target });
        continue;
      }
      const [a, rg] = key ? placeOf(key, account, region) : ["unresolved" in r ? r.account : account, region];
      const why = "unresolved" in r ? r.unresolved : `${via} ${clip(value, 200)} was not collected`;
      const gap = index.gapFor(ref.to, a, "unresolved" in r ? r.region : rg);
      links.push({ reason: gap ? `${why} (${gapText(gap)})` : why });
    }
  }
  return links;
}

/** What a record's reference names: a collected target, or why none is known. */
type Link = { target: Target } | { reason: string };

/** Without `explain`, only the value and unknown reasons (details and evidence are left empty). */
function forward(
  c: RelatedSpec,
  record: unknown,
  index: RelatedIndex,
  judge: Judge,
  explain: boolean,
): Outcome {
  const reasons: string[] = [];
  const hits: Target[] = [];
  const misses: Target[] = [];
  for (const link of index.linksOf(c.via, record, forwardLinks)) {
    if ("reason" in link) {
      reasons.push(link.reason);
      continue;
    }
    const target = link.target;
    const o = judge(target.record);
    if (o.value === "true") hits.push(target);
    else if (o.value === "unknown") reasons.push(...o.unknownReasons.map((u) => `${describe(target)}: ${u}`));
    else misses.push(target);
  }
  if (!explain)
    return hits.length > 0
      ? outcome("true")
      : reasons.length > 0
        ? outcome("unknown", { unknownReasons: reasons })
        : outcome("false");
  const evidence = (ts: Target[]): JsonObject => ({
    [`related.${c.via}`]: ts.slice(0, MAX_EVIDENCE_ITEMS).map(targetSummary),
  });
  if (hits.length > 0)
    return outcome("true", {
      details: [`${c.via} is ${hits.map(describe).join(", ")}`],
      evidence: evidence(hits),
    });
  if (reasons.length > 0) return outcome("unknown", { unknownReasons: reasons });
  return outcome("false", {
    details: misses.length > 0 ? [`${c.via} is ${misses.map(describe).join(", ")}`] : [`no ${c.via}`],
  });
}

function reverse(
  c: RelatedSpec,
  record: unknown,
  index: RelatedIndex,
  judge: Judge,
  explain: boolean,
): Outcome {
  const id = targetIdentity(record);
  if (!id)
    return outcome("unknown", { unknownReasons: ["the record has no account, region and ID to look up"] });
  const hits: Sparse[] = [];
  const reasons: string[] = [];
  for (const s of index.referrers(c.via, id.key)) {
    if (!c.types.includes(str(s.resourceType) ?? "")) continue;
    const o = judge(s);
    if (o.value === "true") hits.push(s);
    else if (o.value === "unknown") reasons.push(...o.unknownReasons.map((u) => `${label(s)}: ${u}`));
  }
  if (hits.length > 0 && !explain) return outcome("true");
  if (hits.length > 0) {
    const listed = hits.slice(0, MAX_LISTED).map(label).join(", ");
    const more = hits.length > MAX_LISTED ? ` and ${hits.length - MAX_LISTED} more` : "";
    return outcome("true", {
      details: [
        `${hits.length === 1 ? "1 collected resource still refers" : `${hits.length} collected resources still refer`} to it (${c.via}): ${listed}${more}`,
      ],
      evidence: {
        [`relatedBy.${c.via}`]: {
          count: hits.length,
          resources: hits.slice(0, MAX_EVIDENCE_ITEMS).map((h) => boundJson(summary(h, []))),
        },
      },
    });
  }
  for (const type of c.types) {
    for (const u of index.unresolvedIn(c.via, type, id.account, id.region))
      reasons.push(
        `${u.count} ${type} reference${u.count === 1 ? "" : "s"} could not be resolved (${u.first})`,
      );
    const gap = index.gapFor(type, id.account, id.region);
    if (gap) reasons.push(`${type} in ${id.account}/${id.region} could not be listed (${gapText(gap)})`);
  }
  if (reasons.length > 0) return outcome("unknown", { unknownReasons: reasons });
  const what = c.types.length === 1 ? (c.types[0] as string) : "resource";
  return outcome("false", { details: [`no collected ${what} refers to it (${c.via})`] });
}

/**
 * The linked records a rule lists in its evidence (`evidence: [{related: ...}]`): what the
 * condition found, an empty list when nothing links, or why that is not known.
 */
export function relatedEvidence(c: RelatedSpec, ctx: EvalContext): JsonObject {
  const key = `${c.direction === "forward" ? "related" : "relatedBy"}.${c.via}`;
  // A rule over several types lists links only on the records the reference can concern.
  const type = str(field(ctx.record, "resourceType")) ?? "";
  const concerns =
    c.direction === "forward"
      ? referencesOf(type).some((r) => r.name === c.via)
      : referenceTarget(c.via) === type;
  if (!concerns) return {};
  const o = evaluateRelated(c, ctx);
  if (o.value === "true") return o.evidence;
  if (o.value === "unknown") return { [key]: { unknown: o.unknownReasons.slice(0, MAX_LISTED) } };
  return { [key]: c.direction === "forward" ? [] : { count: 0, resources: [] } };
}

const outcome = (value: Outcome["value"], extra: Partial<Outcome> = {}): Outcome => ({
  value,
  unknownReasons: [],
  details: [],
  evidence: {},
  ...extra,
});

// Frozen: shared by every judgement of a related condition without `where`.
const ALWAYS: Outcome = Object.freeze(outcome("true"));

function gapText(g: CoverageInput): string {
  return `${g.service}:${g.operation} ${g.status}${g.errorCode ? ` (${g.errorCode})` : ""}`;
}

// A target's summary and description, made once: many records list the same key. Evidence that
// holds the summary is only ever serialised, never changed.
const summaries = new WeakMap<Target, JsonObject>();
const descriptions = new WeakMap<Target, string>();

function targetSummary(t: Target): JsonObject {
  let s = summaries.get(t);
  if (!s) summaries.set(t, (s = boundJson(summary(t.record, t.aliases)) as JsonObject));
  return s;
}

function summary(r: Sparse, aliases: string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of ENVELOPE) out[k] = boundJson(r[k] ?? null);
  if (aliases.length > 0) out.aliases = aliases;
  return out;
}

function describe(t: Target): string {
  let d = descriptions.get(t);
  if (d === undefined) {
    const arn = str(t.record.arn) ?? str(t.record.resourceId) ?? "(unknown)";
    d = clip(t.aliases.length > 0 ? `${arn} (${t.aliases.join(", ")})` : arn, 300);
    descriptions.set(t, d);
  }
  return d;
}

function label(r: Sparse): string {
  const where = `${str(r.awsAccountId) ?? "?"}/${str(r.awsRegion) ?? "?"}`;
  return clip(`${str(r.resourceType) ?? "?"} ${str(r.resourceId) ?? "?"} (${where})`, 200);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function field(v: unknown, k: string): unknown {
  return isObject(v) ? v[k] : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
