// The AWS services dpscan talks to, by name only. Start-up code (the settings schema, flag parsing)
// needs the names, and loading the SDK clients takes most of a second; src/aws/services.ts maps
// each name to its client, and the compiler keeps the two lists equal (`satisfies` there).
export const SERVICE_NAMES = [
  "ec2",
  "kms",
  "rds",
  "s3",
  "iam",
  "sts",
  "organizations",
  "dynamodb",
  "secretsmanager",
  "config",
  "cloudtrail",
  "elasticloadbalancing",
  "cloudhsm",
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];
