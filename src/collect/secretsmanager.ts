// Secrets Manager collector: secret METADATA only, from ListSecrets. It never reads a secret's value,
// one at a time or in a batch, nor anything else returning secret material — `actions` is the proof
// the read-only policy is checked against. AWS Config records secrets in PascalCase with its own names
// (`KMSKeyId`, `RotationRules.RotationScheduleExpression`, `Deleted`); the dates Config does not
// record go to `supplementaryConfiguration.SecretMetadata`. See docs/collectors/secretsmanager.md.
import { paginateListSecrets, type SecretListEntry } from "@aws-sdk/client-secrets-manager";
import type { JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector } from "./types.js";

const SERVICE = "secretsmanager";
/** ListSecrets accepts MaxResults 1..100. */
const PAGE = 100;

export const secretsManagerCollector: Collector = {
  ...COLLECTOR_MANIFESTS.secretsmanager,
  async collect(ctx) {
    const client = ctx.client(SERVICE);
    await ctx.list(SERVICE, "ListSecrets", {
      // Secrets scheduled for deletion still hold their value and can be restored: Config records
      // them too (with Deleted: true).
      pages: paginateListSecrets({ client, pageSize: PAGE }, { IncludePlannedDeletion: true }),
      items: (page) => page.SecretList,
      toRecord: (s) =>
        s.ARN
          ? {
              resourceType: RESOURCE_TYPES.secret,
              // Config identifies a secret by its full ARN (name plus AWS's random suffix).
              resourceId: s.ARN,
              resourceName: s.Name ?? null,
              arn: s.ARN,
              configuration: secretConfiguration(s),
              supplementaryConfiguration: { SecretMetadata: secretMetadata(s) },
              tags: s.Tags ?? [],
            }
          : undefined,
    });
  },
};

/**
 * The configuration AWS Config records for AWS::SecretsManager::Secret. ListSecrets omits
 * RotationEnabled for a secret that never had rotation configured: that is false.
 */
export function secretConfiguration(s: SecretListEntry): JsonObject {
  const rules = s.RotationRules;
  return {
    ARN: s.ARN ?? null,
    Name: s.Name ?? null,
    Description: s.Description ?? null,
    // Absent: the AWS-managed aws/secretsmanager key.
    KMSKeyId: s.KmsKeyId ?? null,
    RotationEnabled: s.RotationEnabled ?? false,
    RotationLambdaARN: s.RotationLambdaARN ?? null,
    RotationRules: rules
      ? {
          AutomaticallyAfterDays: rules.AutomaticallyAfterDays ?? null,
          RotationScheduleExpression: rules.ScheduleExpression ?? null,
          ...(rules.Duration !== undefined ? { RotationDuration: rules.Duration } : {}),
        }
      : null,
    Deleted: s.DeletedDate !== undefined,
  };
}

/** Facts ListSecrets returns that Config does not record; null when AWS returned none. */
export function secretMetadata(s: SecretListEntry): JsonObject {
  const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);
  return {
    createdDate: iso(s.CreatedDate),
    lastChangedDate: iso(s.LastChangedDate),
    lastRotatedDate: iso(s.LastRotatedDate),
    lastAccessedDate: iso(s.LastAccessedDate),
    nextRotationDate: iso(s.NextRotationDate),
    deletedDate: iso(s.DeletedDate),
    owningService: s.OwningService ?? null,
    primaryRegion: s.PrimaryRegion ?? null,
  };
}
