// IAM (awsQuery, global: one endpoint, SigV4 scope us-east-1): GetAccountAuthorizationDetails,
// ListPolicies, GetPolicy, GetPolicyVersion, ListEntitiesForPolicy. Policy documents go out
// URL-encoded (RFC 3986) as IAM sends them; the SDK does not decode them, the collector must.
import { isoTime, nextPageLeaf, pageStart, queryService } from "../wire/protocol-query.js";
import type { Indexed, QueryParams } from "../wire/protocol-query.js";
import type { CallContext, SimService } from "../wire/service.js";
import { SimError } from "../wire/service.js";
import type {
  Collection,
  GlobalResources,
  SimIamManagedPolicy,
  SimIamPrincipal,
  Tag,
} from "../world/types.js";
import type { XmlFragment } from "../wire/xml.js";
import { leaf, list, node, nodeOf, scalarList } from "../wire/xml.js";

export const IAM_XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/";

/** IAM's encoding of policy documents: RFC 3986, every reserved character escaped. */
export function encodePolicyDocument(doc: string): string {
  return encodeURIComponent(doc).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const validation = (message: string): SimError => new SimError("ValidationError", message, 400);
const noSuchEntity = (message: string): SimError => new SimError("NoSuchEntity", message, 404);

export function policyArn(
  accountId: string,
  p: Pick<SimIamManagedPolicy, "Scope" | "Path" | "PolicyName">,
): string {
  return p.Scope === "AWS"
    ? `arn:aws:iam::aws:policy${p.Path}${p.PolicyName}`
    : `arn:aws:iam::${accountId}:policy${p.Path}${p.PolicyName}`;
}

type PrincipalKind = "User" | "Group" | "Role";

const principalArn = (accountId: string, kind: PrincipalKind, p: SimIamPrincipal): string =>
  `arn:aws:iam::${accountId}:${kind.toLowerCase()}${p.Path}${p.Name}`;

/** A managed policy by ARN. Collections are keyed by PolicyName; the ARN must match exactly. */
function findPolicy(g: GlobalResources, accountId: string, arn: string): SimIamManagedPolicy | undefined {
  const name = arn.slice(arn.lastIndexOf("/") + 1);
  const p = g.iamPolicies.get(name);
  return p && policyArn(accountId, p) === arn ? p : undefined;
}

function defaultVersion(p: SimIamManagedPolicy): string {
  return (p.Versions.find((v) => v.IsDefaultVersion) ?? p.Versions[p.Versions.length - 1])?.VersionId ?? "v1";
}

// ---------------------------------------------------------------------------------------------
// Rendering

const tagsList = (tags: Tag[]): XmlFragment | undefined =>
  tags.length === 0
    ? undefined
    : list("Tags", "member", tags, (t, m) => node(m, leaf("Key", t.Key), leaf("Value", t.Value)));

const inlineList = (name: string, p: SimIamPrincipal): XmlFragment | undefined =>
  list(name, "member", p.InlinePolicies, (ip, m) =>
    node(m, leaf("PolicyName", ip.PolicyName), leaf("PolicyDocument", encodePolicyDocument(ip.Document))),
  );

const attachedList = (p: SimIamPrincipal): XmlFragment | undefined =>
  list("AttachedManagedPolicies", "member", p.AttachedPolicyArns, (arn, m) =>
    node(m, leaf("PolicyName", arn.slice(arn.lastIndexOf("/") + 1)), leaf("PolicyArn", arn)),
  );

function policyFields(p: SimIamManagedPolicy, accountId: string): (XmlFragment | undefined)[] {
  return [
    leaf("PolicyName", p.PolicyName),
    leaf("PolicyId", p.PolicyId),
    leaf("Arn", policyArn(accountId, p)),
    leaf("Path", p.Path),
    leaf("DefaultVersionId", defaultVersion(p)),
    leaf("AttachmentCount", p.AttachmentCount),
    leaf("PermissionsBoundaryUsageCount", 0),
    leaf("IsAttachable", true),
    leaf("CreateDate", isoTime(p.CreateDate)),
    leaf("UpdateDate", isoTime(p.UpdateDate)),
  ];
}

const versionFields = (v: SimIamManagedPolicy["Versions"][number]): (XmlFragment | undefined)[] => [
  leaf("Document", encodePolicyDocument(v.Document)),
  leaf("VersionId", v.VersionId),
  leaf("IsDefaultVersion", v.IsDefaultVersion),
  leaf("CreateDate", isoTime(v.CreateDate)),
];

/** The fields every principal detail starts with: Path, <Kind>Name, <Kind>Id, Arn, CreateDate. */
const principalFields = (
  kind: PrincipalKind,
  x: SimIamPrincipal,
  accountId: string,
): (XmlFragment | undefined)[] => [
  leaf("Path", x.Path),
  leaf(`${kind}Name`, x.Name),
  leaf(`${kind}Id`, x.Id),
  leaf("Arn", principalArn(accountId, kind, x)),
  leaf("CreateDate", isoTime(x.CreateDate)),
];

function renderUser(u: SimIamPrincipal, accountId: string): XmlFragment {
  return node(
    "member",
    ...principalFields("User", u, accountId),
    inlineList("UserPolicyList", u),
    scalarList("GroupList", "member", u.Groups ?? []),
    attachedList(u),
    tagsList(u.Tags),
  );
}

function renderGroup(g: SimIamPrincipal, accountId: string): XmlFragment {
  return node(
    "member",
    ...principalFields("Group", g, accountId),
    inlineList("GroupPolicyList", g),
    attachedList(g),
  );
}

function renderRole(r: SimIamPrincipal, accountId: string): XmlFragment {
  return node(
    "member",
    ...principalFields("Role", r, accountId),
    leaf(
      "AssumeRolePolicyDocument",
      r.AssumeRolePolicyDocument && encodePolicyDocument(r.AssumeRolePolicyDocument),
    ),
    list("InstanceProfileList", "member", [], () => undefined),
    inlineList("RolePolicyList", r),
    attachedList(r),
    tagsList(r.Tags),
  );
}

function renderPolicyDetail(p: SimIamManagedPolicy, accountId: string): XmlFragment {
  return node(
    "member",
    ...policyFields(p, accountId),
    list("PolicyVersionList", "member", p.Versions, (v, m) => node(m, ...versionFields(v))),
  );
}

// ---------------------------------------------------------------------------------------------
// Paging over several collections at once: a marker is an index into their concatenation.

/** One collection of a multi-list page: `at(i)` renders item i, or undefined when it is filtered out. */
interface Section {
  size: number;
  at(i: number): XmlFragment | undefined;
}

const section = <T>(
  coll: Indexed<T>,
  keep: (item: T) => boolean,
  render: (item: T) => XmlFragment,
): Section => ({
  size: coll.size,
  at(i) {
    const item = coll.at(i);
    return keep(item) ? render(item) : undefined;
  },
});

function maxItems(p: QueryParams): number {
  const n = p.int("MaxItems", (raw) =>
    validation(`Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must be a number`),
  );
  if (n === undefined) return 100;
  if (n < 1) {
    throw validation(
      `1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  if (n > 1000) {
    throw validation(
      `1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  return n;
}

const startFrom = (p: QueryParams, scope: string): number =>
  pageStart(p, "Marker", scope, () => validation("Invalid Marker."));

/** Walk the sections from `start`, rendering up to `limit` kept items; one output list per section. */
function pageSections(
  sections: readonly Section[],
  start: number,
  limit: number,
): { parts: XmlFragment[][]; next: number | undefined } {
  const parts: XmlFragment[][] = sections.map(() => []);
  let offset = 0;
  let taken = 0;
  let pos = start;
  for (let s = 0; s < sections.length; s++) {
    const sec = sections[s]!;
    const end = offset + sec.size;
    for (; pos < end; pos++) {
      if (taken >= limit) return { parts, next: pos };
      const out = sec.at(pos - offset);
      if (out) {
        parts[s]!.push(out);
        taken++;
      }
    }
    offset = end;
  }
  return { parts, next: undefined };
}

const truncation = (next: number | undefined, scope: string): (XmlFragment | undefined)[] => [
  leaf("IsTruncated", next !== undefined),
  nextPageLeaf("Marker", scope, next),
];

// ---------------------------------------------------------------------------------------------
// Operations

const FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"] as const;

function getAccountAuthorizationDetails(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const requested = p.list("Filter");
  for (const f of requested) {
    if (!(FILTERS as readonly string[]).includes(f)) {
      throw validation(
        `1 validation error detected: Value '[${f}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${FILTERS.join(", ")}]]`,
      );
    }
  }
  const want = (f: (typeof FILTERS)[number]): boolean => requested.length === 0 || requested.includes(f);
  const g = ctx.account.global;
  const id = ctx.account.Id;
  const limit = maxItems(p);
  const scope = `iam:GetAccountAuthorizationDetails:${requested.slice().sort().join(",")}`;
  const none = (): boolean => false;
  const sections = [
    section(g.iamUsers, want("User") ? () => true : none, (u) => renderUser(u, id)),
    section(g.iamGroups, want("Group") ? () => true : none, (x) => renderGroup(x, id)),
    section(g.iamRoles, want("Role") ? () => true : none, (r) => renderRole(r, id)),
    // AWS-managed policies appear only when attached to something in the account.
    section(
      g.iamPolicies,
      (pol: SimIamManagedPolicy) =>
        pol.Scope === "AWS"
          ? want("AWSManagedPolicy") && pol.AttachmentCount > 0
          : want("LocalManagedPolicy"),
      (pol) => renderPolicyDetail(pol, id),
    ),
  ];
  const { parts, next } = pageSections(sections, startFrom(p, scope), limit);
  return [
    nodeOf("UserDetailList", parts[0]!),
    nodeOf("GroupDetailList", parts[1]!),
    nodeOf("RoleDetailList", parts[2]!),
    nodeOf("Policies", parts[3]!),
    ...truncation(next, scope),
  ];
}

function listPolicies(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const scopeParam = p.get("Scope") ?? "All";
  if (!["All", "AWS", "Local"].includes(scopeParam)) {
    throw validation(
      `1 validation error detected: Value '${scopeParam}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`,
    );
  }
  const onlyAttached = p.bool("OnlyAttached") === true;
  const prefix = p.get("PathPrefix") ?? "/";
  const limit = maxItems(p);
  const scope = `iam:ListPolicies:${scopeParam}:${onlyAttached}:${prefix}`;
  const id = ctx.account.Id;
  const { parts, next } = pageSections(
    [
      section(
        ctx.account.global.iamPolicies,
        (pol: SimIamManagedPolicy) =>
          (scopeParam === "All" || pol.Scope === scopeParam) &&
          (!onlyAttached || pol.AttachmentCount > 0) &&
          pol.Path.startsWith(prefix),
        (pol) => node("member", ...policyFields(pol, id)),
      ),
    ],
    startFrom(p, scope),
    limit,
  );
  return [nodeOf("Policies", parts[0]!), ...truncation(next, scope)];
}

function requirePolicy(p: QueryParams, ctx: CallContext): { arn: string; policy: SimIamManagedPolicy } {
  const arn = p.get("PolicyArn");
  if (!arn)
    throw validation(
      "1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null",
    );
  if (!arn.startsWith("arn:aws:iam::")) throw new SimError("InvalidInput", `ARN ${arn} is not valid.`, 400);
  const policy = findPolicy(ctx.account.global, ctx.account.Id, arn);
  if (!policy) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  return { arn, policy };
}

function listEntitiesForPolicy(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const { arn } = requirePolicy(p, ctx);
  const filter = p.get("EntityFilter");
  const prefix = p.get("PathPrefix") ?? "/";
  const want = (kind: string): boolean => filter === undefined || filter === kind;
  const attached = (x: SimIamPrincipal): boolean =>
    x.Path.startsWith(prefix) && x.AttachedPolicyArns.includes(arn);
  const g = ctx.account.global;
  const scope = `iam:ListEntitiesForPolicy:${arn}:${filter ?? ""}:${prefix}`;
  const none = (): boolean => false;
  const entity = (kind: PrincipalKind, coll: Collection<SimIamPrincipal>) =>
    section(coll, want(kind) ? attached : none, (x) =>
      node("member", leaf(`${kind}Name`, x.Name), leaf(`${kind}Id`, x.Id)),
    );
  const { parts, next } = pageSections(
    [entity("Group", g.iamGroups), entity("User", g.iamUsers), entity("Role", g.iamRoles)],
    startFrom(p, scope),
    maxItems(p),
  );
  return [
    nodeOf("PolicyGroups", parts[0]!),
    nodeOf("PolicyUsers", parts[1]!),
    nodeOf("PolicyRoles", parts[2]!),
    ...truncation(next, scope),
  ];
}

export function iamService(): SimService {
  return queryService({
    signingName: "iam",
    flavour: "awsQuery",
    xmlns: IAM_XMLNS,
    throttleCode: "Throttling",
    operations: {
      GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
      ListPolicies: listPolicies,
      GetPolicy: (p, ctx) => {
        const { policy } = requirePolicy(p, ctx);
        return [node("Policy", ...policyFields(policy, ctx.account.Id))];
      },
      GetPolicyVersion: (p, ctx) => {
        const { arn, policy } = requirePolicy(p, ctx);
        const versionId = p.get("VersionId");
        const v = policy.Versions.find((x) => x.VersionId === versionId);
        if (!v)
          throw noSuchEntity(
            `Policy ${arn} version ${versionId ?? "null"} does not exist or is not attachable.`,
          );
        return [node("PolicyVersion", ...versionFields(v))];
      },
      ListEntitiesForPolicy: listEntitiesForPolicy,
    },
    resourceId: (_operation, p) => p.get("PolicyArn"),
  });
}
