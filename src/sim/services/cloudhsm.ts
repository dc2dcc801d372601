// AWS CloudHSM v2 (JSON 1.1, target prefix BaldrApiService, signing name cloudhsm): the cluster
// inventory and cluster tags. DescribeClusters pages with MaxResults 1..25 and NextToken; ListTags
// with MaxResults 1..100. Errors are CloudHSM's own (CloudHsmResourceNotFoundException, …).
import { SimError } from "../wire/service.js";
import type { CallContext } from "../wire/service.js";
import {
  encodeToken,
  epochSeconds,
  isObject,
  jsonService,
  optInt,
  optString,
  reqString,
  tokenPosition,
} from "../wire/protocol-json.js";
import type { JsonObject } from "../wire/protocol-json.js";
import type { SimCloudHsmCluster } from "../world/types.js";

const invalidRequest = (message: string): SimError =>
  new SimError("CloudHsmInvalidRequestException", message);

const startAt = (token: string | undefined): number =>
  tokenPosition(token, 1, () => invalidRequest("The NextToken is not valid."))?.[0] ?? 0;

/** DescribeClusters' Filters: clusterIds, vpcIds, states (a cluster matches every named filter). */
function clusterFilter(input: JsonObject): (c: SimCloudHsmCluster) => boolean {
  const raw = input["Filters"];
  if (raw === undefined || raw === null) return () => true;
  if (!isObject(raw)) throw new SimError("ValidationException", "Filters must be a map");
  const fields: Record<string, (c: SimCloudHsmCluster) => string> = {
    clusterIds: (c) => c.ClusterId,
    vpcIds: (c) => c.VpcId,
    states: (c) => c.State,
  };
  const tests = Object.entries(raw).map(([name, values]) => {
    const get = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!get) throw invalidRequest(`Invalid filter: ${name}`);
    if (!Array.isArray(values)) throw new SimError("ValidationException", `Filter ${name} must be a list`);
    return (c: SimCloudHsmCluster) => values.includes(get(c));
  });
  return (c) => tests.every((t) => t(c));
}

function renderCluster(c: SimCloudHsmCluster): JsonObject {
  return {
    BackupPolicy: "DEFAULT",
    BackupRetentionPolicy: { Type: "DAYS", Value: String(c.BackupRetentionDays) },
    ClusterId: c.ClusterId,
    CreateTimestamp: epochSeconds(c.CreateTimestamp),
    Hsms: c.Hsms.map((h) => ({ ...h, ClusterId: c.ClusterId })),
    HsmType: c.HsmType,
    // What a new cluster hands out for its first login: dpscan must never keep it.
    ...(c.State === "UNINITIALIZED" ? { PreCoPassword: "sim-preco-password" } : {}),
    SecurityGroup: c.SecurityGroup,
    State: c.State,
    SubnetMapping: { ...c.SubnetMapping },
    VpcId: c.VpcId,
    Certificates: { ClusterCertificate: "-----BEGIN CERTIFICATE-----\nMIIsim\n-----END CERTIFICATE-----" },
    TagList: c.Tags.map((t) => ({ Key: t.Key, Value: t.Value })),
  };
}

function describeClusters(input: JsonObject, ctx: CallContext): JsonObject {
  const limit = optInt(input, "MaxResults", 1, 25) ?? 25;
  const keep = clusterFilter(input);
  const all = ctx.account.region(ctx.region)?.cloudHsmClusters;
  const out: JsonObject[] = [];
  let i = startAt(optString(input, "NextToken"));
  for (; all && i < all.size && out.length < limit; i++) {
    const c = all.at(i);
    if (keep(c)) out.push(renderCluster(c));
  }
  return all && i < all.size ? { Clusters: out, NextToken: encodeToken([i]) } : { Clusters: out };
}

function listTags(input: JsonObject, ctx: CallContext): JsonObject {
  const id = reqString(input, "ResourceId");
  if (!/^(?:cluster|backup)-[2-7a-zA-Z]{11,16}$/.test(id))
    throw new SimError(
      "ValidationException",
      `1 validation error detected: Value '${id}' at 'resourceId' failed to satisfy constraint: Member must satisfy regular expression pattern: (?:cluster|backup)-[2-7a-zA-Z]{11,16}`,
    );
  const cluster = ctx.account.region(ctx.region)?.cloudHsmClusters.get(id);
  if (!cluster) throw new SimError("CloudHsmResourceNotFoundException", `The resource ${id} does not exist.`);
  const limit = optInt(input, "MaxResults", 1, 100) ?? 100;
  const start = startAt(optString(input, "NextToken"));
  const tags = cluster.Tags.slice(start, start + limit).map((t) => ({ Key: t.Key, Value: t.Value }));
  const next = start + tags.length;
  return next < cluster.Tags.length ? { TagList: tags, NextToken: encodeToken([next]) } : { TagList: tags };
}

export const cloudHsmService = jsonService({
  signingName: "cloudhsm",
  targetPrefix: "BaldrApiService",
  version: "1.1",
  throttleCode: "ThrottlingException",
  operations: { DescribeClusters: describeClusters, ListTags: listTags },
  resourceId: (_op, input) => (typeof input["ResourceId"] === "string" ? input["ResourceId"] : undefined),
});
