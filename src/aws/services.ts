// The AWS services dpscan talks to: one place for client classes and default pacing.
import { CloudHSMV2Client } from "@aws-sdk/client-cloudhsm-v2";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { STSClient } from "@aws-sdk/client-sts";

export const CLIENTS = {
  ec2: EC2Client,
  kms: KMSClient,
  rds: RDSClient,
  s3: S3Client,
  iam: IAMClient,
  sts: STSClient,
  organizations: OrganizationsClient,
  dynamodb: DynamoDBClient,
  secretsmanager: SecretsManagerClient,
  config: ConfigServiceClient,
  cloudtrail: CloudTrailClient,
  elasticloadbalancing: ElasticLoadBalancingV2Client,
  cloudhsm: CloudHSMV2Client,
} as const;

export type ServiceName = keyof typeof CLIENTS;
export type ClientOf<S extends ServiceName> = InstanceType<(typeof CLIENTS)[S]>;

/**
 * Client-side pacing per (account, region, service), kept below AWS's documented defaults
 * (field notes): the scan shares these budgets with the customer's production workloads.
 * Override with --rate service=N.
 */
export const DEFAULT_RATES: Record<ServiceName, { ratePerSecond: number; burst: number }> = {
  ec2: { ratePerSecond: 15, burst: 50 }, // quota: bucket 100, refill 20/s
  kms: { ratePerSecond: 50, burst: 100 }, // quotas: 500-2000 rps per operation
  rds: { ratePerSecond: 10, burst: 40 }, // quota: burst 300, 12/s
  s3: { ratePerSecond: 50, burst: 100 },
  iam: { ratePerSecond: 10, burst: 20 }, // unpublished: treat as low
  sts: { ratePerSecond: 20, burst: 50 }, // quota: 600 rps shared
  organizations: { ratePerSecond: 4, burst: 8 }, // unpublished, low
  dynamodb: { ratePerSecond: 20, burst: 40 },
  secretsmanager: { ratePerSecond: 20, burst: 40 },
  config: { ratePerSecond: 4, burst: 8 }, // unpublished, low
  cloudtrail: { ratePerSecond: 5, burst: 10 },
  // ELB API v2 quota: non-mutating (Describe*) actions share a bucket of 40, refill 10/s.
  elasticloadbalancing: { ratePerSecond: 8, burst: 20 },
  cloudhsm: { ratePerSecond: 5, burst: 10 }, // unpublished, low; a region has few clusters
};

/** The partition's global endpoints live in us-east-1. */
export const GLOBAL_SERVICE_REGION = "us-east-1";
