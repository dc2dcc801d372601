// The simulator's CloudHSM v2 (JSON 1.1, BaldrApiService) through the pinned @aws-sdk/client-cloudhsm-v2,
// and KMS DescribeCustomKeyStores over the clusters that back a store.
import {
  CloudHSMV2Client,
  DescribeClustersCommand,
  ListTagsCommand,
  paginateDescribeClusters,
} from "@aws-sdk/client-cloudhsm-v2";
import { DescribeCustomKeyStoresCommand, KMSClient } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { MGMT, pagesOf, sdkError } from "../helpers/sim.js";
import { useSimulator } from "./harness.js";

const US = "us-east-1";
/** `n` CloudHSM-style ids (cluster- and 11 of a-z, 2-7). */
const ids = (n: number): string[] =>
  Array.from(
    { length: n },
    (_, i) => `cluster-${"abcdefghijklmnopqrstuvwxyz"[i % 26]}${"234567"[Math.floor(i / 26) % 6]}aaaabbbbc`,
  );
const world = worldFromDocument({
  faults: {
    accessDenied: [{ service: "cloudhsm", operation: "ListTags", resourceId: "cluster-lockedlocked2" }],
  },
  accounts: [
    {
      Id: MGMT,
      regions: {
        [US]: {
          cloudHsmClusters: [
            {
              ClusterId: "cluster-igz6zsx2abc",
              Hsms: [
                { AvailabilityZone: "us-east-1a" },
                { AvailabilityZone: "us-east-1b", State: "DEGRADED" },
              ],
              CustomKeyStore: { CustomKeyStoreName: "store-a" },
              Tags: Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`k${i}`, `v${i}`])),
            },
            { ClusterId: "cluster-newnewnewne", State: "UNINITIALIZED" },
            { ClusterId: "cluster-lockedlocked2" },
            ...ids(30).map((ClusterId) => ({ ClusterId, Hsms: [{ AvailabilityZone: "us-east-1c" }] })),
          ],
        },
      },
    },
  ],
});
const { client } = useSimulator({ world });
// The pinned client's config type comes from its own (older) packages: the same shape.
const hsm = (): CloudHSMV2Client => client(CloudHSMV2Client as never, US);

describe("DescribeClusters", () => {
  it("pages with MaxResults 1..25 and NextToken; HSMs carry their zone, subnet and cluster", async () => {
    const pages = await pagesOf(
      paginateDescribeClusters({ client: hsm(), pageSize: 25 }, {}),
      (p) => p.Clusters,
    );
    expect(pages.map((p) => p.length)).toEqual([25, 8]);
    const first = pages[0]?.[0];
    expect(first).toMatchObject({
      ClusterId: "cluster-igz6zsx2abc",
      State: "ACTIVE",
      HsmType: "hsm1.medium",
      BackupPolicy: "DEFAULT",
      BackupRetentionPolicy: { Type: "DAYS", Value: "90" },
    });
    expect(first?.Hsms).toEqual([
      expect.objectContaining({
        AvailabilityZone: "us-east-1a",
        State: "ACTIVE",
        ClusterId: "cluster-igz6zsx2abc",
      }),
      expect.objectContaining({ AvailabilityZone: "us-east-1b", State: "DEGRADED" }),
    ]);
    expect(Object.keys(first?.SubnetMapping ?? {})).toEqual(["us-east-1a", "us-east-1b"]);
    expect(first?.Hsms?.[0]?.HsmId).toMatch(/^hsm-[2-7a-z]{11}$/);
    // A new cluster hands out its PRECO password, as AWS does.
    expect(pages[0]?.[1]).toMatchObject({ State: "UNINITIALIZED", PreCoPassword: expect.any(String) });
    expect((await sdkError(hsm().send(new DescribeClustersCommand({ MaxResults: 26 })))).name).toBe(
      "ValidationException",
    );
  });

  it("filters by clusterIds and states; an unknown filter is CloudHSM's invalid request", async () => {
    const byId = await hsm().send(
      new DescribeClustersCommand({ Filters: { clusterIds: ["cluster-newnewnewne"] } }),
    );
    expect(byId.Clusters?.map((c) => c.ClusterId)).toEqual(["cluster-newnewnewne"]);
    const uninit = await hsm().send(new DescribeClustersCommand({ Filters: { states: ["UNINITIALIZED"] } }));
    expect(uninit.Clusters).toHaveLength(1);
    expect(
      (await sdkError(hsm().send(new DescribeClustersCommand({ Filters: { names: ["x"] } })))).name,
    ).toBe("CloudHsmInvalidRequestException");
  });
});

describe("ListTags", () => {
  it("pages at MaxResults 100; an unknown cluster is CloudHsmResourceNotFoundException; denial is CloudHsmAccessDeniedException", async () => {
    const first = await hsm().send(new ListTagsCommand({ ResourceId: "cluster-igz6zsx2abc" }));
    expect(first.TagList).toHaveLength(100);
    const rest = await hsm().send(
      new ListTagsCommand({ ResourceId: "cluster-igz6zsx2abc", NextToken: first.NextToken }),
    );
    expect(rest.TagList).toHaveLength(20);
    expect(rest.NextToken).toBeUndefined();
    expect(
      (await sdkError(hsm().send(new ListTagsCommand({ ResourceId: "cluster-missingmissi" })))).name,
    ).toBe("CloudHsmResourceNotFoundException");
    expect(
      await sdkError(hsm().send(new ListTagsCommand({ ResourceId: "cluster-lockedlocked2" }))),
    ).toMatchObject({
      name: "CloudHsmAccessDeniedException",
      status: 400,
    });
  });
});

describe("KMS DescribeCustomKeyStores", () => {
  it("lists the store each cluster backs, by id or name; an unknown one is CustomKeyStoreNotFoundException", async () => {
    const kms = client(KMSClient, US);
    const all = await kms.send(new DescribeCustomKeyStoresCommand({}));
    expect(all.CustomKeyStores).toEqual([
      expect.objectContaining({
        CustomKeyStoreName: "store-a",
        CloudHsmClusterId: "cluster-igz6zsx2abc",
        ConnectionState: "CONNECTED",
        CustomKeyStoreType: "AWS_CLOUDHSM",
      }),
    ]);
    expect(all.CustomKeyStores?.[0]?.CustomKeyStoreId).toMatch(/^cks-[0-9a-f]{17}$/);
    const byName = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: "store-a" }));
    expect(byName.CustomKeyStores).toHaveLength(1);
    expect(
      (await sdkError(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: "nope" })))).name,
    ).toBe("CustomKeyStoreNotFoundException");
  });
});
