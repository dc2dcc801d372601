// EC2 (ec2 query protocol): regions, EBS volumes and snapshots, snapshot sharing, EBS encryption by
// default. Element names follow the SDK's schema (volumeSet/item, tagSet, status for State, …).
import {
  nextPageLeaf,
  pageStart,
  queryService,
  scanPage,
  wildcardMatcher,
  isoTime,
} from "../wire/protocol-query.js";
import type { Indexed, QueryParams } from "../wire/protocol-query.js";
import type { CallContext, SimService } from "../wire/service.js";
import { SimError } from "../wire/service.js";
import type { RegionResources, SimAccount, SimSnapshot, SimVolume, Tag } from "../world/types.js";
import type { XmlFragment } from "../wire/xml.js";
import { leaf, list, node, nodeOf } from "../wire/xml.js";

/** Regions that must be enabled by the account (everything else is enabled by default). */
export const OPT_IN_REGIONS: ReadonlySet<string> = new Set([
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-west-1",
  "eu-central-2",
  "eu-south-1",
  "eu-south-2",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
]);

const invalidParam = (message: string): SimError => new SimError("InvalidParameterValue", message, 400);

export function optInStatus(
  account: SimAccount,
  region: string,
): "opt-in-not-required" | "opted-in" | "not-opted-in" {
  if (account.disabledRegions.includes(region)) return "not-opted-in";
  if (OPT_IN_REGIONS.has(region))
    return account.enabledRegions.includes(region) ? "opted-in" : "not-opted-in";
  return "opt-in-not-required";
}

// ---------------------------------------------------------------------------------------------
// Filters

type FilterFields<T> = Record<string, (item: T) => string | string[] | undefined>;

/** Build a predicate from `Filter.N.Name` / `Filter.N.Value.M`; unknown names are rejected as EC2 does. */
function filterPredicate<T extends { Tags: Tag[] }>(
  p: QueryParams,
  fields: FilterFields<T>,
): (item: T) => boolean {
  const tests: ((item: T) => boolean)[] = [];
  for (const f of p.structs("Filter")) {
    const name = f.get("Name");
    if (name === undefined) throw invalidParam("The filter 'null' is invalid");
    const matchers = f.list("Value").map(wildcardMatcher);
    const anyOf = (values: string[]): boolean => values.some((v) => matchers.some((m) => m(v)));
    if (name.startsWith("tag:")) {
      const key = name.slice(4);
      tests.push((it) => anyOf(it.Tags.filter((t) => t.Key === key).map((t) => t.Value)));
    } else if (name === "tag-key") {
      tests.push((it) => anyOf(it.Tags.map((t) => t.Key)));
    } else if (name === "tag-value") {
      tests.push((it) => anyOf(it.Tags.map((t) => t.Value)));
    } else {
      const get = Object.hasOwn(fields, name) ? fields[name] : undefined;
      if (!get) throw invalidParam(`The filter '${name}' is invalid`);
      tests.push((it) => {
        const v = get(it);
        return v !== undefined && anyOf(Array.isArray(v) ? v : [v]);
      });
    }
  }
  return (item) => tests.every((t) => t(item));
}

const VOLUME_FILTERS: FilterFields<SimVolume> = {
  "volume-id": (v) => v.VolumeId,
  encrypted: (v) => String(v.Encrypted),
  status: (v) => v.State,
  "availability-zone": (v) => v.AvailabilityZone,
  "volume-type": (v) => v.VolumeType,
  size: (v) => String(v.Size),
  "snapshot-id": (v) => v.SnapshotId,
  "create-time": (v) => v.CreateTime,
  "attachment.instance-id": (v) => v.Attachments.map((a) => a.InstanceId),
  "attachment.status": (v) => v.Attachments.map((a) => a.State),
  "attachment.device": (v) => v.Attachments.map((a) => a.Device),
  "multi-attach-enabled": () => "false",
};

const SNAPSHOT_FILTERS: FilterFields<SimSnapshot> = {
  "snapshot-id": (s) => s.SnapshotId,
  "volume-id": (s) => s.VolumeId,
  status: (s) => s.State,
  "owner-id": (s) => s.OwnerId,
  encrypted: (s) => String(s.Encrypted),
  description: (s) => s.Description,
  "volume-size": (s) => String(s.VolumeSize),
  "start-time": (s) => s.StartTime,
  progress: (s) => (s.State === "completed" ? "100%" : "0%"),
  "storage-tier": () => "standard",
};

// ---------------------------------------------------------------------------------------------
// Rendering

const tagSet = (tags: Tag[]): XmlFragment | undefined =>
  tags.length === 0
    ? undefined
    : list("tagSet", "item", tags, (t, m) => node(m, leaf("key", t.Key), leaf("value", t.Value)));

function renderVolume(v: SimVolume, ownerId: string): XmlFragment {
  return node(
    "item",
    leaf("volumeId", v.VolumeId),
    leaf("size", v.Size),
    leaf("snapshotId", v.SnapshotId ?? ""),
    leaf("availabilityZone", v.AvailabilityZone),
    leaf("status", v.State),
    leaf("createTime", isoTime(v.CreateTime)),
    list("attachmentSet", "item", v.Attachments, (a, m) =>
      node(
        m,
        leaf("volumeId", v.VolumeId),
        leaf("instanceId", a.InstanceId),
        leaf("device", a.Device),
        leaf("status", a.State),
        leaf("attachTime", isoTime(v.CreateTime)),
        leaf("deleteOnTermination", false),
      ),
    ),
    tagSet(v.Tags),
    leaf("volumeType", v.VolumeType),
    leaf("encrypted", v.Encrypted),
    leaf("kmsKeyId", v.KmsKeyId),
    leaf("multiAttachEnabled", false),
    leaf("ownerId", ownerId),
  );
}

function renderSnapshot(s: SimSnapshot): XmlFragment {
  return node(
    "item",
    leaf("snapshotId", s.SnapshotId),
    leaf("volumeId", s.VolumeId),
    leaf("status", s.State),
    leaf("startTime", isoTime(s.StartTime)),
    leaf("progress", s.State === "completed" ? "100%" : "0%"),
    leaf("ownerId", s.OwnerId),
    leaf("description", s.Description ?? ""),
    leaf("volumeSize", s.VolumeSize),
    leaf("encrypted", s.Encrypted),
    leaf("kmsKeyId", s.KmsKeyId),
    tagSet(s.Tags),
    leaf("storageTier", "standard"),
  );
}

// ---------------------------------------------------------------------------------------------
// Operations

function regionOf(ctx: CallContext): RegionResources | undefined {
  return ctx.account.region(ctx.region);
}

function pageArgs(p: QueryParams, op: string, min: number, max: number): { start: number; limit: number } {
  const maxResults = p.int("MaxResults", (raw) => invalidParam(`Invalid value '${raw}' for maxResults`));
  if (maxResults !== undefined && (maxResults < min || maxResults > max)) {
    throw invalidParam(
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
  const start = pageStart(
    p,
    "NextToken",
    `ec2:${op}`,
    (token) => new SimError("InvalidPaginationToken", `Invalid pagination token: ${token}`, 400),
  );
  // No MaxResults and no NextToken: EC2 returns everything in one response.
  const limit = maxResults ?? (p.get("NextToken") ? max : Number.POSITIVE_INFINITY);
  return { start, limit };
}

/** Ids name the whole answer: EC2 refuses to page it. */
function rejectMaxResults(p: QueryParams, idSet: string): void {
  if (p.has("MaxResults")) {
    throw new SimError(
      "InvalidParameterCombination",
      `The parameter ${idSet} cannot be used with the parameter maxResults`,
      400,
    );
  }
}

function describeRegions(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const all = p.bool("AllRegions") === true;
  const names = p.list("RegionName");
  for (const n of names) {
    if (!ctx.world.allRegions.includes(n)) throw invalidParam(`Invalid region names: [${n}]`);
  }
  const filters = p.structs("Filter").map((f) => {
    const name = f.get("Name") ?? "";
    const matchers = f.list("Value").map(wildcardMatcher);
    if (!["region-name", "opt-in-status", "endpoint"].includes(name))
      throw invalidParam(`The filter '${name}' is invalid`);
    return { name, matchers };
  });
  const rows = ctx.world.allRegions
    .map((r) => ({ r, status: optInStatus(ctx.account, r), endpoint: `ec2.${r}.amazonaws.com` }))
    .filter((x) => (names.length > 0 ? names.includes(x.r) : all || x.status !== "not-opted-in"))
    .filter((x) =>
      filters.every((f) => {
        const v = f.name === "region-name" ? x.r : f.name === "opt-in-status" ? x.status : x.endpoint;
        return f.matchers.some((m) => m(v));
      }),
    );
  return [
    list("regionInfo", "item", rows, (x, m) =>
      node(m, leaf("regionName", x.r), leaf("regionEndpoint", x.endpoint), leaf("optInStatus", x.status)),
    ),
  ];
}

function describeVolumes(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const ids = p.list("VolumeId");
  const keep = filterPredicate(p, VOLUME_FILTERS);
  const volumes = regionOf(ctx)?.volumes;
  if (ids.length > 0) {
    rejectMaxResults(p, "volumeSet");
    const found: XmlFragment[] = [];
    for (const id of new Set(ids)) {
      const v = volumes?.get(id);
      if (!v) throw new SimError("InvalidVolume.NotFound", `The volume '${id}' does not exist.`, 400);
      if (keep(v)) found.push(renderVolume(v, ctx.account.Id));
    }
    return [nodeOf("volumeSet", found)];
  }
  const { start, limit } = pageArgs(p, "DescribeVolumes", 5, 500);
  if (!volumes) return [nodeOf("volumeSet", [])];
  const page = scanPage(volumes, start, limit, keep, (v) => renderVolume(v, ctx.account.Id));
  return [nodeOf("volumeSet", page.items), nextPageLeaf("nextToken", "ec2:DescribeVolumes", page.next)];
}

/** Several collections seen as one, for paging across owners. */
function concat<T>(parts: Indexed<T>[]): Indexed<T> {
  const size = parts.reduce((n, c) => n + c.size, 0);
  return {
    size,
    at(i: number): T {
      let rest = i;
      for (const c of parts) {
        if (rest < c.size) return c.at(rest);
        rest -= c.size;
      }
      throw new RangeError(`index ${i} out of range`);
    },
  };
}

function describeSnapshots(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const ids = p.list("SnapshotId");
  const owners = p.list("Owner");
  const restorableBy = p.list("RestorableBy").map((r) => (r === "self" ? ctx.account.Id : r));
  const filter = filterPredicate(p, SNAPSHOT_FILTERS);
  const me = ctx.account.Id;
  // Snapshots of another account are visible only when public or shared with the caller.
  const visible = (s: SimSnapshot): boolean =>
    s.OwnerId === me || s.SharedWith.includes("all") || s.SharedWith.includes(me);
  const restorable = (s: SimSnapshot): boolean =>
    restorableBy.length === 0 ||
    restorableBy.some((r) =>
      r === "all"
        ? s.SharedWith.includes("all")
        : s.OwnerId === r || s.SharedWith.includes(r) || s.SharedWith.includes("all"),
    );
  const keep = (s: SimSnapshot): boolean => visible(s) && restorable(s) && filter(s);

  // Sources: own snapshots unless Owner names only others; other world accounts named in Owner.
  const sources: Indexed<SimSnapshot>[] = [];
  const own = regionOf(ctx)?.snapshots;
  const ownerIds = owners.map((o) => (o === "self" ? me : o));
  if ((ownerIds.length === 0 || ownerIds.includes(me)) && own) sources.push(own);
  for (const o of new Set(ownerIds)) {
    if (o === me || o === "amazon" || o === "aws-marketplace") continue;
    const other = ctx.world.accounts.get(o)?.region(ctx.region)?.snapshots;
    if (other) sources.push(other);
  }
  const all = concat(sources);

  if (ids.length > 0) {
    rejectMaxResults(p, "snapshotSet");
    const found: XmlFragment[] = [];
    for (const id of new Set(ids)) {
      let s: SimSnapshot | undefined = own?.get(id);
      for (const o of ownerIds) s ??= ctx.world.accounts.get(o)?.region(ctx.region)?.snapshots.get(id);
      if (!s || !visible(s))
        throw new SimError("InvalidSnapshot.NotFound", `The snapshot '${id}' does not exist.`, 400);
      if (restorable(s) && filter(s)) found.push(renderSnapshot(s));
    }
    return [nodeOf("snapshotSet", found)];
  }
  const { start, limit } = pageArgs(p, "DescribeSnapshots", 5, 1000);
  const page = scanPage(all, start, limit, keep, renderSnapshot);
  return [nodeOf("snapshotSet", page.items), nextPageLeaf("nextToken", "ec2:DescribeSnapshots", page.next)];
}

function describeSnapshotAttribute(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const id = p.get("SnapshotId");
  const attribute = p.get("Attribute");
  if (!id) throw new SimError("MissingParameter", "The request must contain the parameter snapshotId", 400);
  if (!attribute)
    throw new SimError("MissingParameter", "The request must contain the parameter attribute", 400);
  if (attribute !== "createVolumePermission" && attribute !== "productCodes") {
    throw invalidParam(`Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
  }
  const s = regionOf(ctx)?.snapshots.get(id);
  if (!s) throw new SimError("InvalidSnapshot.NotFound", `The snapshot '${id}' does not exist.`, 400);
  if (attribute === "productCodes")
    return [leaf("snapshotId", id), list("productCodes", "item", [], () => undefined)];
  return [
    leaf("snapshotId", id),
    list("createVolumePermission", "item", s.SharedWith, (who, m) =>
      who === "all" ? node(m, leaf("group", "all")) : node(m, leaf("userId", who)),
    ),
  ];
}

export function ec2Service(): SimService {
  return queryService({
    signingName: "ec2",
    flavour: "ec2",
    throttleCode: "RequestLimitExceeded",
    operations: {
      DescribeRegions: describeRegions,
      DescribeVolumes: describeVolumes,
      DescribeSnapshots: describeSnapshots,
      DescribeSnapshotAttribute: describeSnapshotAttribute,
      GetEbsEncryptionByDefault: (_p, ctx) => [
        leaf("ebsEncryptionByDefault", regionOf(ctx)?.ebsEncryptionByDefault ?? false),
      ],
      GetEbsDefaultKmsKeyId: (_p, ctx) => [
        leaf("kmsKeyId", regionOf(ctx)?.ebsDefaultKmsKeyId ?? "alias/aws/ebs"),
      ],
    },
    resourceId: (operation, p) => {
      if (operation === "DescribeSnapshotAttribute") return p.get("SnapshotId");
      if (operation === "DescribeVolumes") return p.list("VolumeId")[0];
      if (operation === "DescribeSnapshots") return p.list("SnapshotId")[0];
      return undefined;
    },
  });
}
