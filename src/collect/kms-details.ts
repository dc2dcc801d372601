// The per-key KMS facts AWS Config does not record — key policy, rotation status, aliases — read from
// KMS itself, with the same shapes and unreadable markers wherever they are collected: by the KMS
// collector (src/collect/kms.ts) and by the AWS Config aggregator's enrichment
// (src/collect/aws-config/enrich.ts). See docs/collectors/kms.md and docs/collectors/aws-config.md.
import {
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  paginateListAliases,
  type KMSClient,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import { AwsCallError } from "../aws/call.js";
import { classifyError } from "../aws/errors.js";
import { unreadable, type Json, type JsonObject } from "../model/resource.js";
import type { CollectorContext } from "./types.js";

export const KMS_SERVICE = "kms";
/** Largest page ListAliases accepts. */
export const ALIASES_PAGE = 100;
/** What KMS answers when rotation does not exist for a key: the status is not applicable, not unreadable. */
export const ROTATION_NOT_APPLICABLE: readonly string[] = [
  "UnsupportedOperationException",
  "KMSInvalidStateException",
];

/** The part of a collector context the detail readers need (coverage accounting and markers). */
export type KmsDetailContext = Pick<CollectorContext, "unit" | "detail">;

/** What decides whether rotation applies to a key, from KeyMetadata or from AWS Config's record. */
export interface RotationInputs {
  keyManager?: string | null | undefined;
  keySpec?: string | null | undefined;
  origin?: string | null | undefined;
  keyState?: string | null | undefined;
}

export function rotationInputsFromMetadata(m: KeyMetadata): RotationInputs {
  return {
    keyManager: m.KeyManager,
    keySpec: m.KeySpec ?? m.CustomerMasterKeySpec,
    origin: m.Origin,
    keyState: m.KeyState,
  };
}

/** AWS Config's `configuration` of an AWS::KMS::Key (KeyMetadata with lower-cased names). */
export function rotationInputsFromConfiguration(c: JsonObject): RotationInputs {
  const s = (v: Json | undefined): string | undefined => (typeof v === "string" ? v : undefined);
  return {
    keyManager: s(c.keyManager),
    keySpec: s(c.keySpec) ?? s(c.customerMasterKeySpec),
    origin: s(c.origin),
    keyState: s(c.keyState),
  };
}

/**
 * Rotation exists only for customer-managed symmetric keys whose material KMS generated; AWS-managed
 * keys rotate on AWS's schedule. KMS rejects the call for keys pending deletion or import. Unknown
 * inputs (an unreadable record) mean "do not ask": the fact stays absent and rules say UNKNOWN.
 */
export function rotationApplies(k: RotationInputs): boolean {
  return (
    k.keyManager === "CUSTOMER" &&
    k.keySpec === "SYMMETRIC_DEFAULT" &&
    k.origin === "AWS_KMS" &&
    k.keyState !== "PendingDeletion" &&
    k.keyState !== "PendingImport"
  );
}

/** Alias names by target key id, or the marker every key stores when ListAliases could not be read. */
export type AliasIndex = { ok: true; byKey: Map<string, string[]> } | { ok: false; marker: JsonObject };

/** ListAliases once per account and region (all pages), rather than once per key. */
export async function readAliasIndex(ctx: KmsDetailContext, client: KMSClient): Promise<AliasIndex> {
  const byKey = new Map<string, string[]>();
  let failure: JsonObject | undefined;
  await ctx.unit(KMS_SERVICE, "ListAliases", async () => {
    let count = 0;
    try {
      for await (const page of paginateListAliases({ client, pageSize: ALIASES_PAGE }, {})) {
        for (const a of page.Aliases ?? []) {
          count++;
          // Predefined AWS aliases with no key behind them yet have no TargetKeyId.
          if (!a.AliasName || !a.TargetKeyId) continue;
          const names = byKey.get(a.TargetKeyId);
          if (names) names.push(a.AliasName);
          else byKey.set(a.TargetKeyId, [a.AliasName]);
        }
      }
    } catch (err) {
      // A partial alias list would read as "these keys have no alias": every key gets the marker.
      const c = err instanceof AwsCallError ? err.error : classifyError(err);
      failure = unreadable({ errorCode: c.code, message: c.message, operation: "ListAliases" });
      throw err;
    }
    return count;
  });
  return failure ? { ok: false, marker: failure } : { ok: true, byKey };
}

/** The key's `Aliases` fact: its alias names ([] when it has none), or the ListAliases marker. */
export function aliasesOf(index: AliasIndex, keyId: string): Json {
  return index.ok ? (index.byKey.get(keyId) ?? []) : index.marker;
}

/** The `KeyPolicy` fact: `{policyName, policyText}` verbatim, or the unreadable marker. */
export async function readKeyPolicy(ctx: KmsDetailContext, client: KMSClient, keyId: string): Promise<Json> {
  const r = await ctx.detail(KMS_SERVICE, "GetKeyPolicy", async () => {
    const out = await client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
    // Verbatim, even when it is not valid JSON: the policy analyser judges it.
    return { policyName: out.PolicyName ?? "default", policyText: out.Policy ?? null };
  });
  return r.ok ? r.value : r.marker;
}

/**
 * The `KeyRotationStatus` fact, or the marker; undefined when KMS says rotation does not exist for the
 * key (not applicable, like a key never asked). Call only where rotationApplies().
 */
export async function readRotationStatus(
  ctx: KmsDetailContext,
  client: KMSClient,
  keyId: string,
): Promise<Json | undefined> {
  const r = await ctx.detail(
    KMS_SERVICE,
    "GetKeyRotationStatus",
    async () => {
      const out = await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
      return {
        keyRotationEnabled: out.KeyRotationEnabled ?? null,
        rotationPeriodInDays: out.RotationPeriodInDays ?? null,
        ...(out.NextRotationDate ? { nextRotationDate: out.NextRotationDate.toISOString() } : {}),
      };
    },
    { absentOn: ROTATION_NOT_APPLICABLE, fact: "KeyRotationStatus" },
  );
  if (!r.ok) return r.marker;
  return r.value ?? undefined;
}
