// One builder per account-wide resource kind (IAM policies, users, roles, groups; S3 buckets),
// mirroring the generator's per-kind functions (../generate.ts).
import { AUDIT_ROLE_NAME, DEFAULT_CREATED, alnumFrom, policyArn, trustPolicy } from "../defaults.js";
import type { AccountDoc, BucketDoc, GlobalDoc, IamPolicyDoc, IamPrincipalDoc } from "../doc.js";
import type {
  Collection,
  GlobalResources,
  SimBucket,
  SimIamManagedPolicy,
  SimIamPrincipal,
  SimRole,
} from "../types.js";
import {
  collection,
  policyText,
  tags,
  timestamps,
  type PathSeg,
  type Report,
  type Resolve,
  type Timestamp,
} from "./common.js";
import { arrayCollection } from "../collection.js";

const AUDIT_POLICIES = [
  "arn:aws:iam::aws:policy/SecurityAudit",
  "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
];

/** What every account-wide builder needs to know about its account. */
export interface GlobalCtx {
  account: string;
  /** Path of the account's `global` in the document. */
  path: PathSeg[];
  report: Report;
  ts: Timestamp;
  /** A stable IAM id (AIDA…, AROA…) derived from the kind and name. */
  idFor(prefix: string, kind: string, name: string): string;
}

export function globalResources(
  g: GlobalDoc,
  a: AccountDoc,
  enabled: string[],
  path: PathSeg[],
  refs: (account: string, region: string) => Resolve,
  report: Report,
): GlobalResources {
  const account = a.Id;
  const ctx: GlobalCtx = {
    account,
    path,
    report,
    ts: timestamps(report),
    idFor: (prefix, kind, name) => `${prefix}${alnumFrom(`${kind}/${account}/${name}`, 17)}`,
  };
  const policies = policyAttachments(g.iamPolicies ?? [], ctx);
  const groupNames = new Set((g.iamGroups ?? []).map((x) => x.Name));
  const principals = (kind: PrincipalKind, field: "iamGroups" | "iamUsers" | "iamRoles"): SimIamPrincipal[] =>
    (g[field] ?? []).map((x, i) => buildPrincipal(x, kind, ctx, [...path, field, i], policies, groupNames));
  const iamGroups = principals("group", "iamGroups");
  const iamUsers = principals("user", "iamUsers");
  const iamRoles = principals("role", "iamRoles");
  // A role the scanner assumes exists in IAM too; add it unless the file spells it out.
  for (const role of a.roles ?? [])
    if (!iamRoles.some((r) => r.Name === role.Name)) iamRoles.push(assumableRole(role, ctx));
  const iamPolicies = (g.iamPolicies ?? []).map((pd, i) =>
    buildIamPolicy(pd, ctx, [...path, "iamPolicies", i], policies),
  );
  const buckets = (g.buckets ?? []).map((b, i) =>
    buildBucket(b, ctx, [...path, "buckets", i], enabled, refs),
  );

  const c = <T>(field: string, items: T[], id: (t: T) => string, idField: string): Collection<T> =>
    collection(items, id, [...path, field], idField, report);
  return {
    buckets: arrayCollection(buckets, (b) => b.Name), // global uniqueness is checked by the caller
    iamPolicies: c("iamPolicies", iamPolicies, (x) => x.PolicyName, "PolicyName"),
    iamUsers: c("iamUsers", iamUsers, (x) => x.Name, "Name"),
    iamRoles: c("iamRoles", iamRoles, (x) => x.Name, "Name"),
    iamGroups: c("iamGroups", iamGroups, (x) => x.Name, "Name"),
  };
}

/** The account's customer-managed policies by name, and how often principals attach each ARN. */
interface PolicyAttachments {
  arnOf: Map<string, string>; // policy name -> ARN
  /** Resolves a principal's AttachedPolicyArns (names become ARNs) and counts the attachments. */
  attach(list: string[] | undefined, p: PathSeg[]): string[];
  count(arn: string): number | undefined;
}

function policyAttachments(policyDocs: IamPolicyDoc[], ctx: GlobalCtx): PolicyAttachments {
  const { account, report } = ctx;
  const arnOf = new Map<string, string>();
  for (const p of policyDocs)
    arnOf.set(
      p.PolicyName,
      p.Scope === "AWS"
        ? `arn:aws:iam::aws:policy${p.Path ?? "/"}${p.PolicyName}`
        : policyArn(account, p.Path ?? "/", p.PolicyName),
    );
  const knownArns = new Set(arnOf.values());
  const attachments = new Map<string, number>();
  const attach = (list: string[] | undefined, p: PathSeg[]): string[] =>
    (list ?? []).map((entry, i) => {
      let arn = entry;
      if (!entry.startsWith("arn:")) {
        const found = arnOf.get(entry);
        if (found === undefined)
          report([...p, i], `no customer-managed policy named "${entry}" in this account`);
        arn = found ?? policyArn(account, "/", entry);
      } else if (entry.startsWith(`arn:aws:iam::${account}:policy/`) && !knownArns.has(entry)) {
        report([...p, i], `policy "${entry}" is not defined in this account's iamPolicies`);
      }
      attachments.set(arn, (attachments.get(arn) ?? 0) + 1);
      return arn;
    });
  return { arnOf, attach, count: (arn) => attachments.get(arn) };
}

type PrincipalKind = "user" | "role" | "group";
const ID_PREFIX: Record<PrincipalKind, string> = { user: "AIDA", role: "AROA", group: "AGPA" };

export function buildPrincipal(
  x: IamPrincipalDoc,
  kind: PrincipalKind,
  ctx: GlobalCtx,
  p: PathSeg[],
  policies: PolicyAttachments,
  groupNames: Set<string>,
): SimIamPrincipal {
  (x.Groups ?? []).forEach((name, j) => {
    if (!groupNames.has(name)) ctx.report([...p, "Groups", j], `no group named "${name}" in this account`);
  });
  return {
    Name: x.Name,
    Id: x.Id ?? ctx.idFor(ID_PREFIX[kind], kind, x.Name),
    Path: x.Path ?? "/",
    CreateDate: ctx.ts(x.CreateDate, DEFAULT_CREATED, [...p, "CreateDate"]),
    InlinePolicies: (x.InlinePolicies ?? []).map((ip) => ({
      PolicyName: ip.PolicyName,
      Document: policyText(ip.Document),
    })),
    AttachedPolicyArns: policies.attach(x.AttachedPolicyArns, [...p, "AttachedPolicyArns"]),
    ...(kind === "role"
      ? {
          AssumeRolePolicyDocument:
            x.AssumeRolePolicyDocument !== undefined
              ? policyText(x.AssumeRolePolicyDocument)
              : trustPolicy([ctx.account]),
        }
      : {}),
    ...(kind === "user" ? { Groups: [...(x.Groups ?? [])] } : {}),
    Tags: tags(x.Tags),
  };
}

/** The IAM role behind an entry of the account's `roles` that the file does not list itself. */
function assumableRole(
  role: Pick<SimRole, "Name" | "TrustedAccounts" | "ExternalId">,
  ctx: GlobalCtx,
): SimIamPrincipal {
  return {
    Name: role.Name,
    Id: ctx.idFor("AROA", "role", role.Name),
    Path: "/",
    CreateDate: DEFAULT_CREATED,
    InlinePolicies: [],
    AttachedPolicyArns: role.Name === AUDIT_ROLE_NAME ? [...AUDIT_POLICIES] : [],
    AssumeRolePolicyDocument: trustPolicy(role.TrustedAccounts, role.ExternalId),
    Tags: [{ Key: "purpose", Value: "dpscan read-only audit" }],
  };
}

export function buildIamPolicy(
  pd: IamPolicyDoc,
  ctx: GlobalCtx,
  p: PathSeg[],
  policies: PolicyAttachments,
): SimIamManagedPolicy {
  const { report, ts } = ctx;
  const created = ts(pd.CreateDate, DEFAULT_CREATED, [...p, "CreateDate"]);
  if (pd.Document !== undefined && pd.Versions !== undefined)
    report([...p, "Versions"], "give either Document or Versions, not both");
  if (pd.Document === undefined && pd.Versions === undefined)
    report(p, 'missing required field "Document" (or "Versions")');
  const versions = pd.Versions
    ? pd.Versions.map((v, j) => ({
        VersionId: v.VersionId,
        IsDefaultVersion: v.IsDefaultVersion ?? false,
        CreateDate: ts(v.CreateDate, created, [...p, "Versions", j, "CreateDate"]),
        Document: policyText(v.Document),
      }))
    : [
        {
          VersionId: "v1",
          IsDefaultVersion: true,
          CreateDate: created,
          Document: policyText(pd.Document ?? ""),
        },
      ];
  const defaults = versions.filter((v) => v.IsDefaultVersion).length;
  if (defaults > 1) report([...p, "Versions"], "only one version can be the default");
  const last = versions[versions.length - 1];
  if (defaults === 0 && last) last.IsDefaultVersion = true; // AWS always has a default: take the newest
  const arn = policies.arnOf.get(pd.PolicyName) ?? "";
  return {
    PolicyName: pd.PolicyName,
    PolicyId: pd.PolicyId ?? ctx.idFor("ANPA", "policy", pd.PolicyName),
    Path: pd.Path ?? "/",
    Scope: pd.Scope ?? "Local",
    AttachmentCount: pd.AttachmentCount ?? policies.count(arn) ?? 0,
    CreateDate: created,
    UpdateDate: ts(pd.UpdateDate, created, [...p, "UpdateDate"]),
    Versions: versions,
  };
}

export function buildBucket(
  b: BucketDoc,
  ctx: GlobalCtx,
  p: PathSeg[],
  enabled: string[],
  refs: (account: string, region: string) => Resolve,
): SimBucket {
  const { report } = ctx;
  const region = b.Region ?? enabled[0] ?? "us-east-1";
  if (b.Region !== undefined && !enabled.includes(region))
    report([...p, "Region"], `region "${region}" is not enabled for this account`);
  const resolve = refs(ctx.account, region);
  const enc = b.Encryption;
  if (enc && enc.SSEAlgorithm === "AES256" && enc.KMSMasterKeyID !== undefined)
    report(
      [...p, "Encryption", "KMSMasterKeyID"],
      "KMSMasterKeyID needs SSEAlgorithm aws:kms or aws:kms:dsse",
    );
  const pab = b.PublicAccessBlock;
  return {
    Name: b.Name,
    Region: region,
    CreationDate: ctx.ts(b.CreationDate, DEFAULT_CREATED, [...p, "CreationDate"]),
    Policy: b.Policy === undefined || b.Policy === null ? null : policyText(b.Policy),
    Encryption:
      enc === null
        ? null
        : enc === undefined
          ? { SSEAlgorithm: "AES256", BucketKeyEnabled: false }
          : {
              SSEAlgorithm: enc.SSEAlgorithm,
              ...(enc.KMSMasterKeyID !== undefined && enc.SSEAlgorithm !== "AES256"
                ? { KMSMasterKeyID: resolve(enc.KMSMasterKeyID, [...p, "Encryption", "KMSMasterKeyID"]) }
                : {}),
              BucketKeyEnabled: enc.BucketKeyEnabled ?? false,
            },
    PublicAccessBlock:
      pab === null
        ? null
        : {
            BlockPublicAcls: pab?.BlockPublicAcls ?? true,
            IgnorePublicAcls: pab?.IgnorePublicAcls ?? true,
            BlockPublicPolicy: pab?.BlockPublicPolicy ?? true,
            RestrictPublicBuckets: pab?.RestrictPublicBuckets ?? true,
          },
    Tags: tags(b.Tags),
  };
}
