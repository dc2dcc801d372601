// CloudTrail through the real @aws-sdk/client-cloudtrail against the simulator: home-region
// trails, multi-region shadows, and the management account's organization trail in members.
import { describe, expect, it } from "vitest";
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  paginateListTrails,
} from "@aws-sdk/client-cloudtrail";
import { cloudTrailService } from "../../src/sim/services/cloudtrail.js";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { useSimulator } from "./harness.js";
import { pagesOf, sdkError } from "../helpers/sim.js";

const A = "111111111111"; // management
const B = "222222222222"; // member
const C = "333333333333"; // many trails
const US = "us-east-1";
const EU = "eu-west-1";
const KEY = `arn:aws:kms:${US}:${A}:key/aaaaaaaa-0000-4000-8000-000000000001`;
const HOSTILE = `<script>alert("x")</script> & 'q' — ünïcødé 🛤️`;
const ORG_ARN = `arn:aws:cloudtrail:${US}:${A}:trail/org-trail`;

const world = worldFromDocument({
  managementAccountId: A,
  accounts: [
    {
      Id: A,
      enabledRegions: [US, EU],
      regions: {
        [US]: {
          kmsKeys: [{ KeyId: "aaaaaaaa-0000-4000-8000-000000000001" }],
          trails: [
            {
              Name: "org-trail",
              IsOrganizationTrail: true,
              KmsKeyId: KEY,
              Tags: [{ Key: HOSTILE, Value: `"${HOSTILE}"` }],
            },
          ],
        },
        [EU]: {
          trails: [
            {
              Name: "local-eu",
              IsMultiRegionTrail: false,
              IsLogging: false,
              LogFileValidationEnabled: false,
            },
          ],
        },
      },
    },
    {
      Id: B,
      enabledRegions: [US, EU],
      regions: { [US]: { trails: [{ Name: "b-trail", IsMultiRegionTrail: false }] } },
    },
    {
      Id: C,
      regions: { [US]: { trails: Array.from({ length: 60 }, (_, i) => ({ Name: `trail-${i}` })) } },
    },
  ],
});

const sim = useSimulator({ world, services: [cloudTrailService] });
const client = (region: string, account = A): CloudTrailClient =>
  sim.client(CloudTrailClient, region, account);

const names = (list: { Name?: string }[] | undefined) => (list ?? []).map((t) => t.Name).sort();

describe("CloudTrail DescribeTrails", () => {
  it("returns home-region trails with their encryption settings and hostile names intact", async () => {
    const out = await client(US).send(new DescribeTrailsCommand({}));
    expect(out.trailList).toHaveLength(1);
    expect(out.trailList?.[0]).toMatchObject({
      Name: "org-trail",
      TrailARN: ORG_ARN,
      HomeRegion: US,
      IsMultiRegionTrail: true,
      IsOrganizationTrail: true,
      KmsKeyId: KEY,
      LogFileValidationEnabled: true,
      IncludeGlobalServiceEvents: true,
      S3BucketName: `aws-cloudtrail-logs-${A}`,
    });
  });

  it("shows a multi-region trail as a shadow in other regions unless includeShadowTrails is false", async () => {
    const eu = client(EU);
    expect(names((await eu.send(new DescribeTrailsCommand({}))).trailList)).toEqual([
      "local-eu",
      "org-trail",
    ]);
    const own = await eu.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
    expect(names(own.trailList)).toEqual(["local-eu"]);
    expect(own.trailList?.[0]?.KmsKeyId).toBeUndefined();
  });

  it("shows the management account's organization trail in member accounts", async () => {
    expect(names((await client(US, B).send(new DescribeTrailsCommand({}))).trailList)).toEqual([
      "b-trail",
      "org-trail",
    ]);
    const eu = await client(EU, B).send(new DescribeTrailsCommand({}));
    expect(eu.trailList?.map((t) => t.TrailARN)).toEqual([ORG_ARN]);
  });

  it("filters by trailNameList (names or ARNs), ignoring unknown names", async () => {
    const out = await client(EU).send(new DescribeTrailsCommand({ trailNameList: [ORG_ARN, "nope"] }));
    expect(names(out.trailList)).toEqual(["org-trail"]);
  });
});

describe("CloudTrail GetTrailStatus", () => {
  it("reports IsLogging by name in the home region and by ARN anywhere", async () => {
    expect((await client(US).send(new GetTrailStatusCommand({ Name: "org-trail" }))).IsLogging).toBe(true);
    expect((await client(EU).send(new GetTrailStatusCommand({ Name: "local-eu" }))).IsLogging).toBe(false);
    expect((await client(EU).send(new GetTrailStatusCommand({ Name: ORG_ARN }))).IsLogging).toBe(true);
    expect((await client(US, B).send(new GetTrailStatusCommand({ Name: ORG_ARN }))).IsLogging).toBe(true);
  });

  it("answers TrailNotFoundException for unknown trails and shadows named without ARN", async () => {
    for (const [region, Name] of [
      [US, "nope"],
      [EU, "org-trail"],
    ] as const) {
      const e = await sdkError(client(region).send(new GetTrailStatusCommand({ Name })));
      expect(e.name).toBe("TrailNotFoundException");
    }
  });
});

describe("CloudTrail ListTrails and ListTags", () => {
  it("pages ListTrails with NextToken", async () => {
    const pages = await pagesOf(paginateListTrails({ client: client(US, C) }, {}), (p) => p.Trails);
    const all = pages.flat();
    expect(pages).toHaveLength(2);
    // 60 own trails plus the management account's organization trail.
    expect(new Set(all.map((t) => t.TrailARN)).size).toBe(61);
    expect(all.map((t) => t.TrailARN)).toContain(ORG_ARN);
    expect(all[0]).toEqual({
      Name: "trail-0",
      HomeRegion: US,
      TrailARN: `arn:aws:cloudtrail:${US}:${C}:trail/trail-0`,
    });
  });

  it("round-trips hostile tags and rejects unknown ARNs", async () => {
    const out = await client(US).send(new ListTagsCommand({ ResourceIdList: [ORG_ARN] }));
    expect(out.ResourceTagList).toEqual([
      { ResourceId: ORG_ARN, TagsList: [{ Key: HOSTILE, Value: `"${HOSTILE}"` }] },
    ]);
    const e = await sdkError(
      client(US).send(new ListTagsCommand({ ResourceIdList: [`arn:aws:cloudtrail:${US}:${A}:trail/nope`] })),
    );
    expect(e.name).toBe("ResourceNotFoundException");
  });
});
