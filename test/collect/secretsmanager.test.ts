// The Secrets Manager collector through the real @aws-sdk/client-secrets-manager against the
// simulator: metadata only, and provably never a secret value.
import { describe, expect, it } from "vitest";
import { secretsManagerCollector } from "../../src/collect/secretsmanager.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { arrayCollection } from "../../src/sim/world/collection.js";
import type { SimSecret, World } from "../../src/sim/world/types.js";
import { calledActions, collectFromWorld } from "../helpers/collect.js";
import { configItem, expectConfigParity } from "../helpers/config-items.js";
import { useTmpDir } from "../helpers/tmp.js";
import { mgmtOnlyWorld } from "../helpers/world.js";
import { HOSTILE, MGMT, makeRegion } from "../helpers/sim.js";

const tmp = useTmpDir();
const US = "us-east-1";
const SECRET = RESOURCE_TYPES.secret;
const arnOf = (name: string, suffix: string) =>
  `arn:aws:secretsmanager:${US}:${MGMT}:secret:${name}-${suffix}`;
const keyArn = `arn:aws:kms:${US}:${MGMT}:key/00000000-0000-4000-8000-${MGMT}`;

function world(opts: { secrets?: number; extra?: SimSecret[]; faults?: World["faults"] } = {}): World {
  const generated = makeRegion(MGMT, US, { secrets: opts.secrets ?? 3 }).secrets;
  const secrets = [
    ...Array.from({ length: generated.size }, (_, i) => generated.at(i)),
    ...(opts.extra ?? []),
  ];
  return mgmtOnlyWorld(
    { enabledRegions: [US], regions: { [US]: { secrets: arrayCollection(secrets, (s) => s.Name) } } },
    { faults: opts.faults ?? {} },
  );
}

const collect = (w: World) => collectFromWorld(w, [secretsManagerCollector], { dir: tmp(), regions: [US] });

/** Every key anywhere in a JSON value. */
function allKeys(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) allKeys(x, out);
  else if (v !== null && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      allKeys(x, out);
    }
  return out;
}

describe("secretsmanager collector", () => {
  it("records every secret's metadata with Config's field names", async () => {
    const r = await collect(world());
    try {
      const recs = r.records.filter((x) => x.resourceType === SECRET);
      expect(recs).toHaveLength(3);
      const s0 = r.byId(arnOf("app/secret-0", "Ab0000"));
      expect(s0?.resourceName).toBe("app/secret-0");
      expect(s0?.arn).toBe(arnOf("app/secret-0", "Ab0000"));
      // AWS omits RotationEnabled and KmsKeyId when unset: false and null (the aws/secretsmanager key).
      expect(s0?.configuration).toMatchObject({
        RotationEnabled: false,
        KMSKeyId: null,
        RotationRules: null,
      });
      expect(s0?.supplementaryConfiguration.SecretMetadata).toMatchObject({
        createdDate: "2024-01-15T12:00:00.000Z",
        lastRotatedDate: null,
      });
      const s1 = r.byId(arnOf("app/secret-1", "Ab0001"));
      expect(s1?.configuration).toMatchObject({
        RotationEnabled: true,
        KMSKeyId: keyArn,
        RotationRules: { AutomaticallyAfterDays: 30, RotationScheduleExpression: null },
        Deleted: false,
      });
      expect(s1?.supplementaryConfiguration.SecretMetadata).toMatchObject({
        lastRotatedDate: "2024-01-15T14:00:00.000Z",
      });
      expect(r.coverage.find((c) => c.operation === "ListSecrets")).toMatchObject({
        status: "ok",
        resourceCount: 3,
      });
    } finally {
      await r.close();
    }
  });

  it("never asks for a secret value, and no record holds one", async () => {
    const r = await collect(world());
    try {
      expect(calledActions(r, "secretsmanager")).toEqual(["secretsmanager:ListSecrets"]);
      for (const op of ["GetSecretValue", "BatchGetSecretValue", "DescribeSecret"])
        expect(r.sim.counters.calls({ service: "secretsmanager", operation: op })).toBe(0);
      expect(secretsManagerCollector.actions).toEqual(["secretsmanager:ListSecrets"]);
      for (const rec of r.records) {
        const keys = allKeys(rec);
        expect(keys.has("SecretString")).toBe(false);
        expect(keys.has("SecretBinary")).toBe(false);
        expect(keys.has("secretString")).toBe(false);
        expect(keys.has("secretBinary")).toBe(false);
      }
    } finally {
      await r.close();
    }
  });

  it("matches what AWS Config records for the same secrets (parity)", async () => {
    const w = world({
      extra: [
        {
          Name: "scheduled",
          Suffix: "Zz9999",
          RotationEnabled: true,
          RotationLambdaARN: `arn:aws:lambda:${US}:${MGMT}:function:rotate`,
          RotationRules: { ScheduleExpression: "rate(10 days)" },
          CreatedDate: "2024-02-01T00:00:00.000Z",
          DeletedDate: "2024-03-01T00:00:00.000Z",
          Tags: [],
        },
      ],
    });
    const r = await collect(w);
    try {
      const ids = [
        arnOf("app/secret-0", "Ab0000"),
        arnOf("app/secret-1", "Ab0001"),
        arnOf("scheduled", "Zz9999"),
      ];
      // Built field by field: the same keys and values, exactly.
      for (const id of ids) expectConfigParity(r.byId(id), configItem(w, SECRET, id));
      // A secret scheduled for deletion is recorded (Config records it too), marked Deleted.
      const del = r.byId(arnOf("scheduled", "Zz9999"));
      expect(del?.configuration.Deleted).toBe(true);
      expect(del?.supplementaryConfiguration.SecretMetadata).toMatchObject({
        deletedDate: "2024-03-01T00:00:00.000Z",
      });
    } finally {
      await r.close();
    }
  });

  it("pages through ListSecrets at MaxResults 100", async () => {
    const r = await collect(world({ secrets: 250 }));
    try {
      expect(r.records).toHaveLength(250);
      expect(new Set(r.records.map((x) => x.resourceId)).size).toBe(250);
      expect(r.sim.counters.calls({ service: "secretsmanager", operation: "ListSecrets" })).toBe(3);
      expect(r.coverage.find((c) => c.operation === "ListSecrets")?.resourceCount).toBe(250);
    } finally {
      await r.close();
    }
  });

  it("a denied ListSecrets is a coverage gap and records nothing", async () => {
    const r = await collect(
      world({ faults: { accessDenied: [{ service: "secretsmanager", operation: "ListSecrets" }] } }),
    );
    try {
      expect(r.records).toHaveLength(0);
      const row = r.coverage.find((c) => c.operation === "ListSecrets");
      expect(row?.status).toBe("denied");
      expect(row?.errorCode).toBe("AccessDeniedException");
    } finally {
      await r.close();
    }
  });

  it("hostile strings round-trip intact", async () => {
    const r = await collect(world());
    try {
      const s0 = r.byId(arnOf("app/secret-0", "Ab0000"));
      expect(s0?.configuration.Description).toBe(HOSTILE);
      expect(s0?.tags).toEqual({ [HOSTILE]: HOSTILE });
    } finally {
      await r.close();
    }
  });
});
