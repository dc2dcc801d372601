// What each collector is (service, scope, resource types, listings, IAM actions) without its code:
// the registry, the IAM policy and the rule checks read these at start-up, and a collector's module
// (with its SDK client package, 0.15–0.75 s to load) is imported only when its first unit runs.
import { RESOURCE_TYPES } from "../model/resource-types.js";
import type { CollectorManifest } from "./types.js";

export const COLLECTOR_MANIFESTS = {
  ec2: {
    name: "ec2",
    service: "ec2",
    scope: "regional",
    resourceTypes: [
      RESOURCE_TYPES.ebsVolume,
      RESOURCE_TYPES.ebsSnapshot,
      RESOURCE_TYPES.ebsEncryptionDefault,
    ],
    listings: {
      DescribeVolumes: [RESOURCE_TYPES.ebsVolume],
      DescribeSnapshots: [RESOURCE_TYPES.ebsSnapshot],
    },
    actions: [
      "ec2:DescribeVolumes",
      "ec2:DescribeSnapshots",
      "ec2:DescribeSnapshotAttribute",
      "ec2:GetEbsEncryptionByDefault",
      "ec2:GetEbsDefaultKmsKeyId",
    ],
  },
  kms: {
    name: "kms",
    service: "kms",
    scope: "regional",
    resourceTypes: [RESOURCE_TYPES.kmsKey],
    // ListAliases is a unit too, but its failure hides no key: each key's `Aliases` carries the marker.
    listings: { ListKeys: [RESOURCE_TYPES.kmsKey] },
    actions: [
      "kms:ListKeys",
      "kms:ListAliases",
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListResourceTags",
    ],
  },
  rds: {
    name: "rds",
    service: "rds",
    scope: "regional",
    resourceTypes: [
      RESOURCE_TYPES.rdsInstance,
      RESOURCE_TYPES.rdsCluster,
      RESOURCE_TYPES.rdsSnapshot,
      RESOURCE_TYPES.rdsClusterSnapshot,
    ],
    listings: {
      DescribeDBInstances: [RESOURCE_TYPES.rdsInstance],
      DescribeDBClusters: [RESOURCE_TYPES.rdsCluster],
      DescribeDBSnapshots: [RESOURCE_TYPES.rdsSnapshot],
      DescribeDBClusterSnapshots: [RESOURCE_TYPES.rdsClusterSnapshot],
    },
    actions: [
      "rds:DescribeDBInstances",
      "rds:DescribeDBClusters",
      "rds:DescribeDBSnapshots",
      "rds:DescribeDBSnapshotAttributes",
      "rds:DescribeDBClusterSnapshots",
      "rds:DescribeDBClusterSnapshotAttributes",
      "rds:DescribeDBParameters",
      "rds:DescribeDBClusterParameters",
      "rds:DescribeDBParameterGroups",
      "rds:DescribeDBClusterParameterGroups",
      "rds:DescribeEngineDefaultParameters",
      "rds:DescribeEngineDefaultClusterParameters",
    ],
  },
  s3: {
    name: "s3",
    service: "s3",
    scope: "global",
    resourceTypes: [RESOURCE_TYPES.s3Bucket],
    listings: { ListBuckets: [RESOURCE_TYPES.s3Bucket] },
    actions: [
      "s3:ListAllMyBuckets", // ListBuckets
      "s3:GetBucketLocation", // only when ListBuckets does not return BucketRegion
      "s3:GetBucketPolicy",
      "s3:GetEncryptionConfiguration", // GetBucketEncryption
      "s3:GetBucketPublicAccessBlock", // GetPublicAccessBlock
      "s3:GetBucketTagging",
    ],
  },
  iam: {
    name: "iam",
    service: "iam",
    scope: "global",
    resourceTypes: [
      RESOURCE_TYPES.iamPolicy,
      RESOURCE_TYPES.iamUser,
      RESOURCE_TYPES.iamRole,
      RESOURCE_TYPES.iamGroup,
    ],
    listings: {
      GetAccountAuthorizationDetails: [
        RESOURCE_TYPES.iamPolicy,
        RESOURCE_TYPES.iamUser,
        RESOURCE_TYPES.iamRole,
        RESOURCE_TYPES.iamGroup,
      ],
    },
    actions: ["iam:GetAccountAuthorizationDetails"],
  },
  dynamodb: {
    name: "dynamodb",
    service: "dynamodb",
    scope: "regional",
    resourceTypes: [RESOURCE_TYPES.dynamodbTable],
    listings: { ListTables: [RESOURCE_TYPES.dynamodbTable] },
    actions: ["dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"],
  },
  secretsmanager: {
    name: "secretsmanager",
    service: "secretsmanager",
    scope: "regional",
    resourceTypes: [RESOURCE_TYPES.secret],
    listings: { ListSecrets: [RESOURCE_TYPES.secret] },
    // Deliberately only this: ListSecrets already carries every fact the rules need (DescribeSecret adds none).
    actions: ["secretsmanager:ListSecrets"],
  },
  cloudtrail: {
    name: "cloudtrail",
    service: "cloudtrail",
    scope: "regional",
    resourceTypes: [RESOURCE_TYPES.cloudTrail],
    listings: { DescribeTrails: [RESOURCE_TYPES.cloudTrail] },
    actions: ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:ListTags"],
  },
  elbv2: {
    name: "elbv2",
    service: "elasticloadbalancing",
    scope: "regional",
    resourceTypes: [RESOURCE_TYPES.elbLoadBalancer, RESOURCE_TYPES.elbListener],
    listings: {
      DescribeLoadBalancers: [RESOURCE_TYPES.elbLoadBalancer, RESOURCE_TYPES.elbListener],
      // One call per load balancer; any failure hides listeners of the region.
      DescribeListeners: [RESOURCE_TYPES.elbListener],
    },
    actions: [
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeSSLPolicies",
      "elasticloadbalancing:DescribeTags",
    ],
  },
  cloudhsm: {
    name: "cloudhsm",
    service: "cloudhsm",
    scope: "regional",
    resourceTypes: [RESOURCE_TYPES.cloudHsmCluster],
    listings: { DescribeClusters: [RESOURCE_TYPES.cloudHsmCluster] },
    actions: ["cloudhsm:DescribeClusters", "cloudhsm:ListTags", "kms:DescribeCustomKeyStores"],
  },
} as const satisfies Record<string, CollectorManifest>;

export type CollectorName = keyof typeof COLLECTOR_MANIFESTS;
