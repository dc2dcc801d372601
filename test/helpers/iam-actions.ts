// The IAM action an API operation needs. Usually "service:Operation"; the exceptions are listed here once.
const EXCEPTIONS: Record<string, string> = {
  "s3:ListBuckets": "s3:ListAllMyBuckets",
  "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
  "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
  "s3:HeadBucket": "s3:ListBucket",
};

/** `service` is the SigV4 signing name (ec2, s3, secretsmanager, config, ...). */
export function iamActionFor(service: string, operation: string): string {
  const key = `${service}:${operation}`;
  return EXCEPTIONS[key] ?? key;
}
