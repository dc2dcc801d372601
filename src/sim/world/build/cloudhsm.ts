// CloudHSM (v2) clusters from a world file: their HSMs (each in an Availability Zone of the region,
// with a subnet per zone) and the KMS custom key store a cluster may back.
import { DEFAULT_CREATED, alnumFrom, hexFrom } from "../defaults.js";
import type { CloudHsmClusterDoc } from "../doc.js";
import type { SimCloudHsmCluster, SimHsm } from "../types.js";
import { tags, type PathSeg, type Report, type Timestamp } from "./common.js";

/** The part of a region's build context a cluster needs. */
interface Place {
  account: string;
  region: string;
  report: Report;
  ts: Timestamp;
}

/** CloudHSM ids: a prefix and 11 characters of [2-7a-z] (the API's pattern allows 11 to 16). */
const hsmStyleId = (prefix: string, key: string): string =>
  `${prefix}-${alnumFrom(key, 11)
    .toLowerCase()
    .replace(/[0189]/g, (d) => "abcd"["0189".indexOf(d)] ?? "a")}`;

export function buildCloudHsmCluster(h: CloudHsmClusterDoc, ctx: Place, p: PathSeg[]): SimCloudHsmCluster {
  const { account, region } = ctx;
  const key = `${account}/${region}/${h.ClusterId}`;
  const subnet = (az: string): string => `subnet-${hexFrom(`${key}/${az}`, 17)}`;
  const hsms: SimHsm[] = (h.Hsms ?? []).map((x, i) => {
    if (!x.AvailabilityZone.startsWith(region) || x.AvailabilityZone.length !== region.length + 1)
      ctx.report(
        [...p, "Hsms", i, "AvailabilityZone"],
        `"${x.AvailabilityZone}" is not an Availability Zone of ${region}`,
      );
    return {
      HsmId: x.HsmId ?? hsmStyleId("hsm", `${key}/${i}`),
      AvailabilityZone: x.AvailabilityZone,
      SubnetId: subnet(x.AvailabilityZone),
      EniId: `eni-${hexFrom(`${key}/eni/${i}`, 17)}`,
      EniIp: `10.0.${i}.${10 + (hexFrom(`${key}/ip/${i}`, 2).charCodeAt(0) % 200)}`,
      State: x.State ?? "ACTIVE",
    };
  });
  const zones = hsms.length > 0 ? [...new Set(hsms.map((x) => x.AvailabilityZone))] : [`${region}a`];
  const store = h.CustomKeyStore;
  return {
    ClusterId: h.ClusterId,
    State: h.State ?? "ACTIVE",
    HsmType: h.HsmType ?? "hsm1.medium",
    VpcId: h.VpcId ?? `vpc-${hexFrom(`${account}/${region}/vpc`, 17)}`,
    SecurityGroup: `sg-${hexFrom(`${key}/sg`, 17)}`,
    SubnetMapping: Object.fromEntries(zones.map((az) => [az, subnet(az)])),
    Hsms: hsms,
    CreateTimestamp: ctx.ts(h.CreateTimestamp, DEFAULT_CREATED, [...p, "CreateTimestamp"]),
    BackupRetentionDays: h.BackupRetentionDays ?? 90,
    ...(store
      ? {
          CustomKeyStore: {
            CustomKeyStoreId: store.CustomKeyStoreId ?? `cks-${hexFrom(`${key}/cks`, 17)}`,
            CustomKeyStoreName: store.CustomKeyStoreName,
            ConnectionState: store.ConnectionState ?? "CONNECTED",
          },
        }
      : {}),
    Tags: tags(h.Tags),
  };
}
