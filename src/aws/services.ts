// The AWS services dpscan talks to: one place for client classes (pacing: src/model/quotas.ts).
// A client package takes 0.15–0.75 s to load, so each is required on the first use of its service,
// not at start-up (the packages are CommonJS: require() gives the instance `import` would).
import { createRequire } from "node:module";
import type { CloudHSMV2Client } from "@aws-sdk/client-cloudhsm-v2";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { ConfigServiceClient } from "@aws-sdk/client-config-service";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { STSClient } from "@aws-sdk/client-sts";
import type { ServiceName } from "./service-names.js";

export type { ServiceName };

interface Clients {
  ec2: EC2Client;
  kms: KMSClient;
  rds: RDSClient;
  s3: S3Client;
  iam: IAMClient;
  sts: STSClient;
  organizations: OrganizationsClient;
  dynamodb: DynamoDBClient;
  secretsmanager: SecretsManagerClient;
  config: ConfigServiceClient;
  cloudtrail: CloudTrailClient;
  elasticloadbalancing: ElasticLoadBalancingV2Client;
  cloudhsm: CloudHSMV2Client;
}

/** Each service's package and client class, as [package, export]. */
export const CLIENT_MODULES = {
  ec2: ["@aws-sdk/client-ec2", "EC2Client"],
  kms: ["@aws-sdk/client-kms", "KMSClient"],
  rds: ["@aws-sdk/client-rds", "RDSClient"],
  s3: ["@aws-sdk/client-s3", "S3Client"],
  iam: ["@aws-sdk/client-iam", "IAMClient"],
  sts: ["@aws-sdk/client-sts", "STSClient"],
  organizations: ["@aws-sdk/client-organizations", "OrganizationsClient"],
  dynamodb: ["@aws-sdk/client-dynamodb", "DynamoDBClient"],
  secretsmanager: ["@aws-sdk/client-secrets-manager", "SecretsManagerClient"],
  config: ["@aws-sdk/client-config-service", "ConfigServiceClient"],
  cloudtrail: ["@aws-sdk/client-cloudtrail", "CloudTrailClient"],
  elasticloadbalancing: ["@aws-sdk/client-elastic-load-balancing-v2", "ElasticLoadBalancingV2Client"],
  cloudhsm: ["@aws-sdk/client-cloudhsm-v2", "CloudHSMV2Client"],
} as const satisfies Record<ServiceName, readonly [string, string]>; // a new client's name goes in service-names.ts too

export type ClientOf<S extends ServiceName> = Clients[S];

/** A client's constructor; its config type differs per service, and clients.ts builds one shape. */
export type ClientClass<S extends ServiceName> = new (config: object) => ClientOf<S>;

const require = createRequire(import.meta.url);

/** The client class of a service, loaded on first use. */
export function clientClass<S extends ServiceName>(service: S): ClientClass<S> {
  const [pkg, name] = CLIENT_MODULES[service];
  const ctor = (require(pkg) as Record<string, unknown>)[name];
  if (typeof ctor !== "function") throw new Error(`${pkg} exports no ${name}`);
  return ctor as ClientClass<S>;
}

/** The partition's global endpoints live in us-east-1. */
export const GLOBAL_SERVICE_REGION = "us-east-1";
