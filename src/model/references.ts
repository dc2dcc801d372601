// The references between resource types, declared once: which field of which type names a
// resource of another type. The rule language's `related` condition follows them in both
// directions (src/rules/related.ts resolves and indexes them once per scan). Each path is checked
// against what the collectors store (docs/collectors/*.md).
import { RESOURCE_TYPES, type ResourceType } from "./resource-types.js";

export interface ReferenceDef {
  /** The name rules use (`related: {via: kmsKey}`). */
  name: string;
  /** JMESPath to the referring value: a string, a list of strings, or null/absent for none. */
  path: string;
  to: ResourceType;
  /** What AWS uses when the field is absent (the service's AWS-managed key), if anything. */
  whenAbsent?: string;
}

const KMS = RESOURCE_TYPES.kmsKey;
const kmsKeyId = (path: string, whenAbsent?: string): ReferenceDef => ({
  name: "kmsKey",
  path,
  to: KMS,
  ...(whenAbsent ? { whenAbsent } : {}),
});

const managedPolicy: ReferenceDef = {
  name: "managedPolicy",
  path: "configuration.attachedManagedPolicies[].policyArn",
  to: RESOURCE_TYPES.iamPolicy,
};

// S3: only SSE-KMS and DSSE-KMS rules name a key; without KMSMasterKeyID they use aws/s3.
const S3_DEFAULT_KEY =
  "supplementaryConfiguration.ServerSideEncryptionConfiguration.rules[?applyServerSideEncryptionByDefault.sseAlgorithm=='aws:kms' || applyServerSideEncryptionByDefault.sseAlgorithm=='aws:kms:dsse'].[applyServerSideEncryptionByDefault.kmsMasterKeyID || 'alias/aws/s3'][]";

export const REFERENCES: Partial<Record<ResourceType, readonly ReferenceDef[]>> = {
  [RESOURCE_TYPES.ebsVolume]: [kmsKeyId("configuration.kmsKeyId")],
  [RESOURCE_TYPES.ebsSnapshot]: [kmsKeyId("configuration.kmsKeyId")],
  // The key new volumes get when encryption by default is on (GetEbsDefaultKmsKeyId).
  [RESOURCE_TYPES.ebsEncryptionDefault]: [kmsKeyId("configuration.kmsKeyId")],
  [RESOURCE_TYPES.rdsInstance]: [kmsKeyId("configuration.kmsKeyId")],
  [RESOURCE_TYPES.rdsCluster]: [kmsKeyId("configuration.kmsKeyId")],
  [RESOURCE_TYPES.rdsSnapshot]: [kmsKeyId("configuration.kmsKeyId")],
  [RESOURCE_TYPES.rdsClusterSnapshot]: [kmsKeyId("configuration.kmsKeyId")],
  [RESOURCE_TYPES.s3Bucket]: [kmsKeyId(S3_DEFAULT_KEY)],
  // No SSE description: DynamoDB's AWS-owned key, which is no KMS key of the account.
  [RESOURCE_TYPES.dynamodbTable]: [kmsKeyId("configuration.ssedescription.kmsmasterKeyArn")],
  // Secrets Manager omits KmsKeyId for the AWS-managed key.
  [RESOURCE_TYPES.secret]: [kmsKeyId("configuration.KMSKeyId", "alias/aws/secretsmanager")],
  [RESOURCE_TYPES.cloudTrail]: [kmsKeyId("configuration.kmsKeyId")],
  // The managed policies attached to an identity (AWS-managed ones name no collected record).
  [RESOURCE_TYPES.iamUser]: [managedPolicy],
  [RESOURCE_TYPES.iamRole]: [managedPolicy],
  [RESOURCE_TYPES.iamGroup]: [managedPolicy],
};

export const REFERENCE_NAMES: readonly string[] = [
  ...new Set(Object.values(REFERENCES).flatMap((defs) => (defs ?? []).map((r) => r.name))),
];

export function referencesOf(type: string): readonly ReferenceDef[] {
  return REFERENCES[type as ResourceType] ?? [];
}

/** The types that declare a reference of this name. */
export function typesReferring(name: string): ResourceType[] {
  return (Object.keys(REFERENCES) as ResourceType[]).filter((t) =>
    referencesOf(t).some((r) => r.name === name),
  );
}

/** The type a reference of this name points to (one per name), or undefined for an unknown name. */
export function referenceTarget(name: string): ResourceType | undefined {
  for (const defs of Object.values(REFERENCES)) for (const r of defs ?? []) if (r.name === name) return r.to;
  return undefined;
}
