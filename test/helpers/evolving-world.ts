// A one-account world that changes between scans, for lifecycle, waiver and gate tests:
//   stage 1: key K rotation off, volumes V1 (tagged env=sandbox) and V3 unencrypted, secret S
//            without rotation;
//   stage 2: K rotates (resolved), V3 is deleted (resolved: gone within the scan's reach), a new
//            unencrypted volume V2 (new), Secrets Manager denied (S is UNKNOWN: stays open);
//   stage 3: K's rotation off again (reopened), Secrets Manager readable again (S still open).
import { expect, vi } from "vitest";
import { worldFromDocument } from "../../src/sim/world/file.js";
import type { World } from "../../src/sim/world/types.js";
import { EXIT } from "../../src/util/errors.js";
import { runWithSimEnv, withSim } from "./scan.js";
import { MGMT } from "./sim.js";

export const KEY = "0b9f5c36-8f3e-4a8a-9a52-2f3f6f1d4a10";
export const V1 = "vol-0aaaaaaaaaaaaaaa1";
export const V2 = "vol-0aaaaaaaaaaaaaaa2";
export const V3 = "vol-0aaaaaaaaaaaaaaa3";
export const SECRET = "app/db-password";
export const REGION = "us-east-1";

/** Scan flags for the world: the caller's (management) account, its one region. */
export const SCAN_FLAGS = ["--regions", REGION, "--quiet", "--no-config"];

export type Stage = 1 | 2 | 3;

export function evolvingWorld(stage: Stage): World {
  const volumes = [
    { VolumeId: V1, Size: 8, Encrypted: false, Tags: { env: "sandbox", Name: "<b>legacy</b>" } },
    ...(stage === 1 ? [{ VolumeId: V3, Size: 20, Encrypted: false }] : []),
    ...(stage >= 2 ? [{ VolumeId: V2, Size: 50, Encrypted: false, Tags: { env: "prod" } }] : []),
    { VolumeId: "vol-0aaaaaaaaaaaaaaa9", Size: 8, Encrypted: true, KmsKeyId: `alias/data` },
  ];
  return worldFromDocument(
    {
      managementAccountId: MGMT,
      ...(stage === 2 ? { faults: { accessDenied: [{ account: MGMT, service: "secretsmanager" }] } } : {}),
      accounts: [
        {
          Id: MGMT,
          Name: "management",
          enabledRegions: [REGION],
          regions: {
            [REGION]: {
              ebsEncryptionByDefault: true,
              kmsKeys: [{ KeyId: KEY, Aliases: ["alias/data"], RotationEnabled: stage === 2 }],
              volumes,
              secrets: [{ Name: SECRET, KmsKeyId: "alias/data" }],
            },
          },
        },
      ],
    },
    `evolving-world-stage-${stage}`,
  );
}

export const DAY = 86_400_000;
/** When each stage is scanned (tests fake Date: vi.useFakeTimers({ toFake: ["Date"] })). */
export const STAGE_TIME: Record<Stage, number> = {
  1: Date.parse("2027-03-01T06:00:00Z"),
  2: Date.parse("2027-03-02T06:00:00Z"),
  3: Date.parse("2027-03-05T06:00:00Z"),
};

/** `dpscan scan` of the world at a stage, at that stage's time; the scan must complete cleanly. */
export async function scanStage(db: string, stage: Stage, extra: string[] = []): Promise<void> {
  vi.setSystemTime(STAGE_TIME[stage]);
  await withSim(evolvingWorld(stage), async (sim) => {
    const r = await runWithSimEnv(sim, [
      "--db",
      db,
      "scan",
      ...SCAN_FLAGS,
      ...extra,
      "--endpoint-url",
      sim.endpoint,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(EXIT.ok);
  });
}
