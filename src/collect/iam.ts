// IAM: users, roles, groups and customer-managed policies from one paginated listing,
// GetAccountAuthorizationDetails (every policy version, inline policy and attachment in a few
// pages — far cheaper than per-entity calls against IAM's low, unpublished quotas). Records are
// shaped as AWS Config records the AWS::IAM::* types (src/sim/services/config-items.ts); policy documents
// stay URL-encoded as IAM and Config return them (the rules' policy parser decodes them).
import {
  paginateGetAccountAuthorizationDetails,
  type AttachedPermissionsBoundary,
  type AttachedPolicy,
  type GroupDetail,
  type ManagedPolicyDetail,
  type PolicyDetail,
  type RoleDetail,
  type UserDetail,
} from "@aws-sdk/client-iam";
import { GLOBAL_REGION, RESOURCE_TYPES, type ResourceType } from "../model/resource-types.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector, EmittedResource } from "./types.js";
import { configShape, tagList } from "./shape.js";

/** GetAccountAuthorizationDetails' largest page (MaxItems accepts 1..1000). */
export const AUTHORIZATION_DETAILS_PAGE_SIZE = 1000;

/** AWS-managed policies are AWS's, not the account's: Config does not record them, neither do we. */
const ENTITY_FILTER = ["User", "Role", "Group", "LocalManagedPolicy"] as const;

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

const attachedPolicies = (list: AttachedPolicy[] | undefined) =>
  (list ?? []).map((p) => ({ policyArn: p.PolicyArn ?? null, policyName: p.PolicyName ?? null }));

const inlinePolicies = (list: PolicyDetail[] | undefined) =>
  (list ?? []).map((p) => ({ policyName: p.PolicyName ?? null, policyDocument: p.PolicyDocument ?? null }));

const boundary = (b: AttachedPermissionsBoundary | undefined) => (b ? configShape(b) : null);

/** AWS::IAM::Policy configuration (customer-managed policy with every version, documents URL-encoded). */
export function policyConfiguration(p: ManagedPolicyDetail) {
  return {
    policyName: p.PolicyName ?? null,
    policyId: p.PolicyId ?? null,
    arn: p.Arn ?? null,
    path: p.Path ?? null,
    defaultVersionId: p.DefaultVersionId ?? null,
    attachmentCount: p.AttachmentCount ?? null,
    permissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount ?? null,
    isAttachable: p.IsAttachable ?? null,
    description: p.Description ?? null,
    createDate: iso(p.CreateDate),
    updateDate: iso(p.UpdateDate),
    policyVersionList: (p.PolicyVersionList ?? []).map((v) => ({
      document: v.Document ?? null,
      versionId: v.VersionId ?? null,
      isDefaultVersion: v.IsDefaultVersion ?? false,
      createDate: iso(v.CreateDate),
    })),
  };
}

/** AWS::IAM::User configuration. */
export function userConfiguration(u: UserDetail) {
  return {
    userName: u.UserName ?? null,
    userId: u.UserId ?? null,
    path: u.Path ?? null,
    arn: u.Arn ?? null,
    createDate: iso(u.CreateDate),
    attachedManagedPolicies: attachedPolicies(u.AttachedManagedPolicies),
    userPolicyList: inlinePolicies(u.UserPolicyList),
    groupList: [...(u.GroupList ?? [])],
    permissionsBoundary: boundary(u.PermissionsBoundary),
    tags: tagList(u.Tags),
  };
}

/** AWS::IAM::Role configuration. */
export function roleConfiguration(r: RoleDetail) {
  return {
    roleName: r.RoleName ?? null,
    roleId: r.RoleId ?? null,
    path: r.Path ?? null,
    arn: r.Arn ?? null,
    createDate: iso(r.CreateDate),
    attachedManagedPolicies: attachedPolicies(r.AttachedManagedPolicies),
    assumeRolePolicyDocument: r.AssumeRolePolicyDocument ?? null,
    instanceProfileList: (r.InstanceProfileList ?? []).map((p) => configShape(p)),
    rolePolicyList: inlinePolicies(r.RolePolicyList),
    permissionsBoundary: boundary(r.PermissionsBoundary),
    tags: tagList(r.Tags),
  };
}

/** AWS::IAM::Group configuration. */
export function groupConfiguration(g: GroupDetail) {
  return {
    groupName: g.GroupName ?? null,
    groupId: g.GroupId ?? null,
    path: g.Path ?? null,
    arn: g.Arn ?? null,
    createDate: iso(g.CreateDate),
    attachedManagedPolicies: attachedPolicies(g.AttachedManagedPolicies),
    groupPolicyList: inlinePolicies(g.GroupPolicyList),
  };
}

const isAwsManaged = (arn: string | undefined): boolean => /^arn:[^:]+:iam::aws:policy\//.test(arn ?? "");

export const iamCollector: Collector = {
  ...COLLECTOR_MANIFESTS.iam,
  async collect(ctx) {
    await ctx.list("iam", "GetAccountAuthorizationDetails", {
      pages: paginateGetAccountAuthorizationDetails(
        { client: ctx.client("iam"), pageSize: AUTHORIZATION_DETAILS_PAGE_SIZE },
        { Filter: [...ENTITY_FILTER] },
      ),
      // One page holds four kinds of entity: each is already a record.
      items: pageRecords,
      toRecord: (r) => r,
    });
  },
};

function pageRecords(page: {
  UserDetailList?: UserDetail[];
  RoleDetailList?: RoleDetail[];
  GroupDetailList?: GroupDetail[];
  Policies?: ManagedPolicyDetail[];
}): EmittedResource[] {
  const out: EmittedResource[] = [];
  const add = (
    resourceType: ResourceType,
    id: string | undefined,
    name: string | undefined,
    arn: string | undefined,
    configuration: unknown,
    tags?: unknown,
  ): void => {
    if (!id) return;
    out.push({
      resourceType,
      resourceId: id,
      resourceName: name ?? null,
      arn: arn ?? null,
      region: GLOBAL_REGION,
      configuration,
      ...(tags !== undefined ? { tags } : {}),
    });
  };
  for (const u of page.UserDetailList ?? [])
    add(RESOURCE_TYPES.iamUser, u.UserId, u.UserName, u.Arn, userConfiguration(u), u.Tags ?? []);
  for (const r of page.RoleDetailList ?? [])
    add(RESOURCE_TYPES.iamRole, r.RoleId, r.RoleName, r.Arn, roleConfiguration(r), r.Tags ?? []);
  for (const g of page.GroupDetailList ?? [])
    add(RESOURCE_TYPES.iamGroup, g.GroupId, g.GroupName, g.Arn, groupConfiguration(g));
  for (const p of page.Policies ?? []) {
    if (isAwsManaged(p.Arn)) continue;
    add(RESOURCE_TYPES.iamPolicy, p.PolicyId, p.PolicyName, p.Arn, policyConfiguration(p));
  }
  return out;
}
