// What the SDK's shared configuration says (AWS_PROFILE, AWS_CONFIG_FILE, AWS_ENDPOINT_URL*), asked
// of the SDK itself rather than re-read: dpscan's --profile sets AWS_PROFILE, so the profile's
// region, endpoint_url and the rest mean exactly what they mean to the AWS CLI and SDK.
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";

/** The region the SDK resolves without one given in code: AWS_REGION, then the profile's `region`. */
export async function configuredRegion(): Promise<string | undefined> {
  const client = new STSClient({});
  try {
    return await client.config.region();
  } catch {
    return undefined; // none configured: the caller's default applies
  } finally {
    client.destroy();
  }
}

/**
 * The endpoint configured for S3 outside the code (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
 * profile's endpoint_url or its `services` section), if any: S3 then needs path-style requests.
 */
export async function configuredS3Endpoint(): Promise<string | undefined> {
  const client = new S3Client({ region: "us-east-1" });
  try {
    // The SDK resolves configured endpoints through this provider (internal to its config, stable
    // across v3); the profile test in test/cli/profile.test.ts fails if it ever stops answering.
    const provider = (client.config as { serviceConfiguredEndpoint?: () => Promise<string | undefined> })
      .serviceConfiguredEndpoint;
    return provider ? await provider() : undefined;
  } finally {
    client.destroy();
  }
}
