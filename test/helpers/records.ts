// Resource records for store and output tests: an EBS volume of account 111122223333 in
// us-east-1, identified by `id`, with whatever else a test needs overridden.
import type { ResourceRecord } from "../../src/model/resource.js";

export function volumeRecord(id: string, over: Partial<ResourceRecord> = {}): ResourceRecord {
  return {
    resourceType: "AWS::EC2::Volume",
    resourceId: id,
    resourceName: null,
    arn: `arn:aws:ec2:us-east-1:111122223333:volume/${id}`,
    awsAccountId: "111122223333",
    awsRegion: "us-east-1",
    configuration: {},
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: "2026-11-01T00:00:00.000Z",
    ...over,
  };
}
