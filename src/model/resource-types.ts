// The one list of resource types dpscan understands (CloudFormation / AWS Config names).
export const RESOURCE_TYPES = {
  ebsVolume: "AWS::EC2::Volume",
  ebsSnapshot: "AWS::EC2::Snapshot",
  ebsEncryptionDefault: "AWS::EC2::EBSEncryptionByDefault",
  kmsKey: "AWS::KMS::Key",
  rdsInstance: "AWS::RDS::DBInstance",
  rdsCluster: "AWS::RDS::DBCluster",
  rdsSnapshot: "AWS::RDS::DBSnapshot",
  rdsClusterSnapshot: "AWS::RDS::DBClusterSnapshot",
  s3Bucket: "AWS::S3::Bucket",
  iamPolicy: "AWS::IAM::Policy",
  iamUser: "AWS::IAM::User",
  iamRole: "AWS::IAM::Role",
  iamGroup: "AWS::IAM::Group",
  dynamodbTable: "AWS::DynamoDB::Table",
  secret: "AWS::SecretsManager::Secret",
  cloudTrail: "AWS::CloudTrail::Trail",
  /** A member of the organisation, recorded in the management account under --org (a scan fact: who is "inside"). */
  organizationsAccount: "AWS::Organizations::Account",
  elbLoadBalancer: "AWS::ElasticLoadBalancingV2::LoadBalancer",
  elbListener: "AWS::ElasticLoadBalancingV2::Listener",
  // CloudFormation's name (the CloudHSM v2 cluster); AWS Config does not record the type.
  cloudHsmCluster: "AWS::CloudHSM::Cluster",
} as const;

export type ResourceType = (typeof RESOURCE_TYPES)[keyof typeof RESOURCE_TYPES];

const KNOWN = new Set<string>(Object.values(RESOURCE_TYPES));

export function isKnownResourceType(t: string): t is ResourceType {
  return KNOWN.has(t);
}

/** Types whose resources are global (one per account), recorded under this region name as AWS Config does. */
export const GLOBAL_REGION = "global";
