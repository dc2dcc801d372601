import { describe, expect, it } from "vitest";
import { ItemError, normalizeItem } from "../../src/model/normalize.js";
import { asUnreadable, MAX_STRING_BYTES } from "../../src/model/resource.js";

const base = {
  resourceType: "AWS::S3::Bucket",
  resourceId: "b",
  awsAccountId: "111122223333",
  awsRegion: "us-east-1",
};

describe("normalizeItem", () => {
  it("accepts snapshot-file items (ARN, tags map, JSON-string supplementary values)", () => {
    const r = normalizeItem({
      ...base,
      resourceName: "b",
      ARN: "arn:aws:s3:::b",
      tags: { Team: "x" },
      configuration: { name: "b" },
      supplementaryConfiguration: { BucketPolicy: '{"policyText":null}', IsRequesterPaysEnabled: false },
    });
    expect(r.arn).toBe("arn:aws:s3:::b");
    expect(r.tags).toEqual({ Team: "x" });
    expect(r.supplementaryConfiguration).toEqual({
      BucketPolicy: { policyText: null },
      IsRequesterPaysEnabled: false,
    });
  });

  it("accepts Select results (arn, accountId, tags as key/value list, configuration as JSON text)", () => {
    const r = normalizeItem({
      resourceType: "AWS::EC2::Volume",
      resourceId: "vol-1",
      accountId: "111122223333",
      awsRegion: "eu-west-1",
      arn: "arn:aws:ec2:eu-west-1:111122223333:volume/vol-1",
      tags: [{ key: "Name", value: "v" }],
      configuration: '{"encrypted": false}',
    });
    expect(r.awsAccountId).toBe("111122223333");
    expect(r.configuration).toEqual({ encrypted: false });
    expect(r.tags).toEqual({ Name: "v" });
  });

  it("names what is missing or wrong", () => {
    expect(() => normalizeItem({ resourceType: "AWS::S3::Bucket" })).toThrow(
      "missing resourceId, awsAccountId, awsRegion",
    );
    expect(() => normalizeItem({ ...base, awsAccountId: "12" })).toThrow(/not a 12-digit account ID/);
    expect(() => normalizeItem({ ...base, configuration: 5 })).toThrow(ItemError);
    expect(() => normalizeItem({ ...base, configuration: "{not json" })).toThrow(/not valid JSON/);
    expect(() => normalizeItem("x")).toThrow("item is not an object");
  });

  it("turns an oversized string into an unreadable marker instead of keeping it", () => {
    const huge = "x".repeat(MAX_STRING_BYTES + 10);
    const r = normalizeItem({ ...base, supplementaryConfiguration: { BucketPolicy: { policyText: huge } } });
    const marker = asUnreadable(
      (r.supplementaryConfiguration.BucketPolicy as Record<string, unknown>).policyText,
    );
    expect(marker?.errorCode).toBe("DocumentTooLarge");
    expect(JSON.stringify(r).length).toBeLessThan(1000);
  });

  it("bounds hostile tag keys and values", () => {
    const r = normalizeItem({ ...base, tags: { ["k".repeat(5000)]: "v".repeat(5000) } });
    const [k, v] = Object.entries(r.tags)[0] as [string, string];
    expect(k.length).toBeLessThan(1100);
    expect(v).toContain("[truncated");
  });
});

describe("normalizeItem: oversized configuration", () => {
  it("makes the whole configuration the marker, so its rules are UNKNOWN rather than not applicable", () => {
    const text = JSON.stringify({ keyManager: "CUSTOMER", pad: "x".repeat(MAX_STRING_BYTES) });
    const r = normalizeItem({ ...base, resourceType: "AWS::KMS::Key", configuration: text });
    expect(asUnreadable(r.configuration)?.errorCode).toBe("DocumentTooLarge");
  });
});
