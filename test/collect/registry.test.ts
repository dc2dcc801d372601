// The registry's collectors are manifests with a collect() that imports the module on first use:
// each must be exactly its module's collector (same metadata, and collect delegating to it).
import { describe, expect, it } from "vitest";
import { CLIENT_MODULES, clientClass } from "../../src/aws/services.js";
import { SERVICE_NAMES } from "../../src/aws/service-names.js";
import { cloudHsmCollector } from "../../src/collect/cloudhsm.js";
import { cloudTrailCollector } from "../../src/collect/cloudtrail.js";
import { dynamodbCollector } from "../../src/collect/dynamodb.js";
import { ec2Collector } from "../../src/collect/ec2.js";
import { elbv2Collector } from "../../src/collect/elbv2.js";
import { iamCollector } from "../../src/collect/iam.js";
import { kmsCollector } from "../../src/collect/kms.js";
import { rdsCollector } from "../../src/collect/rds.js";
import { COLLECTORS } from "../../src/collect/registry.js";
import { s3Collector } from "../../src/collect/s3.js";
import { secretsManagerCollector } from "../../src/collect/secretsmanager.js";
import type { Collector, CollectorContext } from "../../src/collect/types.js";

const MODULE_COLLECTORS = [
  ec2Collector,
  kmsCollector,
  rdsCollector,
  s3Collector,
  iamCollector,
  dynamodbCollector,
  secretsManagerCollector,
  cloudTrailCollector,
  elbv2Collector,
  cloudHsmCollector,
];

const meta = ({ collect: _collect, ...rest }: Collector) => rest;

describe("the lazy collector registry", () => {
  it("lists every collector module, in order, with the module's own metadata", () => {
    expect(COLLECTORS.map(meta)).toEqual(MODULE_COLLECTORS.map(meta));
  });

  it("runs the module's collect on the context it is given", async () => {
    for (const [i, lazy] of COLLECTORS.entries()) {
      const real = MODULE_COLLECTORS[i] as Collector;
      const ctx = { region: "eu-west-1" } as CollectorContext;
      const original = real.collect;
      const seen: CollectorContext[] = [];
      real.collect = async (c) => {
        seen.push(c);
      };
      try {
        await lazy.collect(ctx);
      } finally {
        real.collect = original;
      }
      expect(seen, lazy.name).toEqual([ctx]);
    }
  });
});

describe("SDK client classes", () => {
  it("each service's class loads on demand and is the package's client", async () => {
    expect(Object.keys(CLIENT_MODULES).sort()).toEqual([...SERVICE_NAMES].sort());
    const { KMSClient } = await import("@aws-sdk/client-kms");
    expect(clientClass("kms")).toBe(KMSClient);
    for (const s of SERVICE_NAMES) expect(typeof clientClass(s), s).toBe("function");
  });
});
