// Credentials: the standard provider chain (env, profiles, SSO, container/instance roles) for the
// caller; AssumeRole into member accounts with credentials refreshed well before they expire, so a
// long scan never fails mid-way on an expired session (peer scanners' 1-hour wall).
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

export interface BaseCredentialOptions {
  profile?: string;
}

export function baseCredentials(opts: BaseCredentialOptions): AwsCredentialIdentityProvider {
  return fromNodeProviderChain(opts.profile ? { profile: opts.profile } : {});
}

/** Credentials handed over in code (the demo's simulator keys), never read from the environment. */
export function fromStatic(identity: AwsCredentialIdentity): AwsCredentialIdentityProvider {
  return () => Promise.resolve(identity);
}

export interface AssumeRoleOptions {
  roleArn: string;
  externalId?: string;
  sessionName: string;
  durationSeconds: number;
  /** An STS client signed with the caller's credentials (paced and retried like any client). */
  sts: STSClient;
  now?: () => number;
}

/**
 * A provider that assumes the role once and refreshes it when less than a fifth of the session
 * (at most 5 minutes, at least 1 second) remains, judged by the expiry STS returned rather than
 * the requested duration (a role's maximum or a chained session may be shorter). Concurrent
 * callers share one refresh. The SDK asks again within 5 minutes of expiry; the cache answers.
 */
export function assumeRoleProvider(
  opts: AssumeRoleOptions,
): AwsCredentialIdentityProvider & { assumeCount(): number } {
  const now = opts.now ?? Date.now;
  let current: AwsCredentialIdentity | undefined;
  let refreshing: Promise<AwsCredentialIdentity> | undefined;
  let count = 0;
  let margin = Math.max(1_000, Math.min(300_000, opts.durationSeconds * 200));
  const fresh = (c: AwsCredentialIdentity | undefined): c is AwsCredentialIdentity =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - now() > margin);
  const refresh = async (): Promise<AwsCredentialIdentity> => {
    count++;
    const out = await opts.sts.send(
      new AssumeRoleCommand({
        RoleArn: opts.roleArn,
        RoleSessionName: opts.sessionName,
        DurationSeconds: opts.durationSeconds,
        ...(opts.externalId ? { ExternalId: opts.externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`AssumeRole ${opts.roleArn} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
    };
  };
  const provider = async (): Promise<AwsCredentialIdentity> => {
    if (fresh(current)) return current;
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    current = await refreshing;
    if (current.expiration) {
      const granted = current.expiration.getTime() - now();
      margin = Math.max(1_000, Math.min(300_000, granted / 5));
    }
    return current;
  };
  return Object.assign(provider, { assumeCount: () => count });
}

export function roleArnFor(partition: string, accountId: string, roleName: string): string {
  // Role names may carry a path: "path/to/role" -> role/path/to/role
  return `arn:${partition}:iam::${accountId}:role/${roleName.replace(/^\/+/, "")}`;
}
