// The part of a scan a report covers: the regulated environment (cardholder data, ePHI) named by
// accounts, regions and resource tags. Tags scope what carries them; what governs a whole account
// (IAM, account settings, trails) and what protects a scoped resource (its KMS key) follow the
// resources they govern, and what a coverage gap hid stays in scope because nobody saw its tags.
import type { CoverageRow } from "../model/coverage.js";
import { WHOLE_SCOPE_ID } from "../model/finding.js";
import { asUnreadable, type JsonObject, type ResourceRecord } from "../model/resource.js";
import { GLOBAL_REGION, RESOURCE_TYPES } from "../model/resource-types.js";
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from "../model/scan-options.js";
import { compilePath } from "../rules/paths.js";
import { RelatedIndex } from "../rules/related.js";
import type { Store } from "../store/store.js";
import { UsageError } from "../util/errors.js";

export interface ScopeTag {
  key: string;
  value: string;
}

/** null: every account (region) of the scan. Tags: a resource matching any of them is in scope. */
export interface ReportScope {
  accounts: string[] | null;
  regions: string[] | null;
  tags: ScopeTag[];
}

export const WHOLE_SCAN: ReportScope = { accounts: null, regions: null, tags: [] };

/**
 * Types judged by their own tags under --scope-tag: data stores, their snapshots, keys and secrets.
 * Every other type (IAM, EBS encryption by default, trails, and any type added later) is
 * account-wide: in scope when its account holds an in-scope resource.
 */
export const TAG_SCOPED_TYPES: ReadonlySet<string> = new Set([
  RESOURCE_TYPES.ebsVolume,
  RESOURCE_TYPES.ebsSnapshot,
  RESOURCE_TYPES.kmsKey,
  RESOURCE_TYPES.rdsInstance,
  RESOURCE_TYPES.rdsCluster,
  RESOURCE_TYPES.rdsSnapshot,
  RESOURCE_TYPES.rdsClusterSnapshot,
  RESOURCE_TYPES.s3Bucket,
  RESOURCE_TYPES.dynamodbTable,
  RESOURCE_TYPES.secret,
]);

/** Why a finding is in a tag-scoped report when its own tags did not put it there. */
export const SCOPE_NOTES = {
  "tags-unreadable": "its tags could not be read, so it is kept in scope",
  "protects-scoped": "it is the KMS key of an in-scope resource",
  "account-wide": "it governs an account that holds in-scope resources",
  "coverage-gap": "a coverage gap hid these resources, tags included",
} as const;
export type ScopeNote = keyof typeof SCOPE_NOTES;

/** `KEY=VALUE` (the value may contain "="; an empty value matches an empty tag). */
export function parseScopeTag(text: string, where = "--scope-tag"): ScopeTag {
  const i = text.indexOf("=");
  if (i <= 0) throw new UsageError(`${where} must look like KEY=VALUE (got "${text}")`);
  return { key: text.slice(0, i), value: text.slice(i + 1) };
}

/** The `reports:` section of the settings file: a scope per framework ID. */
export function reportSettingsSchema(): JsonObject {
  return {
    type: "object",
    description:
      "Report scope per framework ID (the regulated environment); --accounts, --regions and --scope-tag override it",
    propertyNames: { pattern: "^[a-z0-9]+([.-][a-z0-9]+)*$" },
    additionalProperties: {
      type: "object",
      additionalProperties: false,
      properties: {
        accounts: { type: "array", items: { type: "string", pattern: ACCOUNT_ID_PATTERN } },
        regions: { type: "array", items: { type: "string", pattern: REGION_PATTERN } },
        scopeTags: {
          type: "array",
          items: { type: "string", pattern: "^[^=]+=" },
          description: "KEY=VALUE; a resource carrying any of them is in scope",
        },
      },
    },
  };
}

const inList = (list: readonly string[] | null, v: string, wild: readonly string[]): boolean =>
  list === null || wild.includes(v) || list.includes(v);

/** Decides what of a scan is in a report's scope. Call prepare() before asking about findings. */
export class ScopeFilter {
  /** Accounts holding an in-scope tag-scoped resource. */
  private scopedAccounts = new Set<string>();
  /** KMS keys (keyOf) that encrypt an in-scope resource. */
  private protecting = new Set<string>();

  constructor(readonly scope: ReportScope) {}

  get byTag(): boolean {
    return this.scope.tags.length > 0;
  }

  accountIn(account: string): boolean {
    return inList(this.scope.accounts, account, [WHOLE_SCOPE_ID]);
  }

  regionIn(region: string): boolean {
    return inList(this.scope.regions, region, [WHOLE_SCOPE_ID, GLOBAL_REGION]);
  }

  /** A coverage row is in scope when the accounts and regions it reaches are. */
  coverageIn(row: Pick<CoverageRow, "scope" | "accountId" | "region">): boolean {
    if (row.scope === "aggregator") return true;
    return this.accountIn(row.accountId) && (row.scope !== "region" || this.regionIn(row.region));
  }

  tagsMatch(tags: Record<string, string>): boolean {
    return this.scope.tags.some((t) => Object.hasOwn(tags, t.key) && tags[t.key] === t.value);
  }

  /** One pass over the scan's records: which accounts hold scoped resources, which keys protect them. */
  prepare(store: Store, scanId: number): this {
    if (!this.byTag) return this;
    const index = new RelatedIndex({ targetReads: [], sourceReads: [compilePath("tags")] });
    const scopedSources = new Set<string>();
    const keys: { local: string; indexKey: string }[] = [];
    for (const { record } of store.iterateResources(scanId)) {
      index.add(record);
      if (record.resourceType === RESOURCE_TYPES.kmsKey) {
        const r = index.resolve(record.resourceId, record.awsAccountId, record.awsRegion);
        if ("key" in r) keys.push({ local: keyOf(record), indexKey: r.key });
      }
      if (!TAG_SCOPED_TYPES.has(record.resourceType) || !this.located(record)) continue;
      if (this.tagsMatch(record.tags) || tagsUnreadable(record)) {
        this.scopedAccounts.add(record.awsAccountId);
        scopedSources.add(sourceKey(record));
      }
    }
    index.finish();
    for (const k of keys)
      if (index.referrers("kmsKey", k.indexKey).some((s) => scopedSources.has(sourceKey(s))))
        this.protecting.add(k.local);
    return this;
  }

  /**
   * Whether a finding is in scope: false, or in scope with the note that explains why (null when
   * its own tags, or no tag scope at all, put it there).
   */
  findingIn(
    f: { resourceType: string; resourceId: string; accountId: string; region: string },
    tags: Record<string, string> | null,
    unreadableTags: boolean,
  ): { note: ScopeNote | null } | false {
    if (!this.accountIn(f.accountId) || !this.regionIn(f.region)) return false;
    if (!this.byTag) return { note: null };
    if (f.resourceId === WHOLE_SCOPE_ID) return { note: "coverage-gap" };
    if (!TAG_SCOPED_TYPES.has(f.resourceType))
      return this.scopedAccounts.has(f.accountId) ? { note: "account-wide" } : false;
    if (tags && this.tagsMatch(tags)) return { note: null };
    if (unreadableTags || tags === null) return { note: "tags-unreadable" };
    if (
      f.resourceType === RESOURCE_TYPES.kmsKey &&
      this.protecting.has(keyOf({ awsAccountId: f.accountId, awsRegion: f.region, resourceId: f.resourceId }))
    )
      return { note: "protects-scoped" };
    return false;
  }

  private located(r: Pick<ResourceRecord, "awsAccountId" | "awsRegion">): boolean {
    return this.accountIn(r.awsAccountId) && this.regionIn(r.awsRegion);
  }
}

function tagsUnreadable(r: ResourceRecord): boolean {
  return asUnreadable(r.supplementaryConfiguration.Tags) !== undefined;
}

function sourceKey(r: Record<string, unknown> | ResourceRecord): string {
  const o = r as Record<string, unknown>;
  return [o.resourceType, o.awsAccountId, o.awsRegion, o.resourceId].map(String).join("|");
}

function keyOf(r: Pick<ResourceRecord, "awsAccountId" | "awsRegion" | "resourceId">): string {
  return `${r.awsAccountId}|${r.awsRegion}|${r.resourceId}`;
}
