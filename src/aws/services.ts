// The AWS services dpscan talks to: one place for client classes (pacing: src/model/quotas.ts).
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
import type { ServiceName } from "./service-names.js";

export type { ServiceName };

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
} as const satisfies Record<ServiceName, unknown>; // a new client's name goes in service-names.ts too

export type ClientOf<S extends ServiceName> = InstanceType<(typeof CLIENTS)[S]>;

/** The partition's global endpoints live in us-east-1. */
export const GLOBAL_SERVICE_REGION = "us-east-1";
