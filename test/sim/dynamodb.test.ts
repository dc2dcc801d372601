// DynamoDB control plane through the real @aws-sdk/client-dynamodb against the simulator.
import { beforeAll, describe, expect, it } from "vitest";
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  paginateListTables,
} from "@aws-sdk/client-dynamodb";
import { dynamodbService } from "../../src/sim/services/dynamodb.js";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { useSimulator } from "./harness.js";
import { pagesOf, sdkError } from "../helpers/sim.js";

const A = "111111111111";
const R = "us-east-1";
const KEY = `arn:aws:kms:${R}:${A}:key/aaaaaaaa-0000-4000-8000-000000000001`;
const HOSTILE = `<script>alert("x")</script> & 'q' — ünïcødé 🗄️`;
const FILLER = 230;
const filler = (i: number) => `t-${String(i).padStart(4, "0")}`;

const world = worldFromDocument({
  accounts: [
    {
      Id: A,
      regions: {
        [R]: {
          kmsKeys: [{ KeyId: "aaaaaaaa-0000-4000-8000-000000000001" }],
          dynamodbTables: [
            { TableName: "a-default", ItemCount: 7 },
            {
              TableName: "b-kms",
              SSE: { KMSMasterKeyArn: KEY },
              Tags: [{ Key: HOSTILE, Value: `"${HOSTILE}"` }],
            },
            ...Array.from({ length: FILLER }, (_, i) => ({ TableName: filler(i) })),
          ],
        },
        "eu-west-1": { dynamodbTables: [{ TableName: "eu-only" }] },
      },
    },
  ],
});

const sim = useSimulator({ world, services: [dynamodbService] });
let ddb: DynamoDBClient;
beforeAll(() => {
  ddb = sim.client(DynamoDBClient, R);
});

describe("DynamoDB ListTables", () => {
  it("pages with LastEvaluatedTableName through the SDK paginator", async () => {
    const pages = await pagesOf(paginateListTables({ client: ddb, pageSize: 100 }, {}), (p) => p.TableNames);
    const names = pages.flat();
    expect(pages).toHaveLength(3);
    expect(names).toHaveLength(FILLER + 2);
    expect(names.slice(0, 3)).toEqual(["a-default", "b-kms", filler(0)]);
    expect(names.at(-1)).toBe(filler(FILLER - 1));
  });

  it("defaults to 100 and resumes after an ExclusiveStartTableName it never handed out", async () => {
    const first = await ddb.send(new ListTablesCommand({}));
    expect(first.TableNames).toHaveLength(100);
    expect(first.LastEvaluatedTableName).toBe(first.TableNames?.at(-1));
    const after = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: filler(10), Limit: 2 }));
    expect(after.TableNames).toEqual([filler(11), filler(12)]);
    const between = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: "b-kmz", Limit: 1 }));
    expect(between.TableNames).toEqual([filler(0)]);
  });

  it("omits LastEvaluatedTableName on the last page and rejects Limit > 100", async () => {
    const last = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: filler(FILLER - 2) }));
    expect(last.TableNames).toEqual([filler(FILLER - 1)]);
    expect(last.LastEvaluatedTableName).toBeUndefined();
    expect((await sdkError(ddb.send(new ListTablesCommand({ Limit: 101 })))).name).toBe(
      "ValidationException",
    );
  });
});

describe("DynamoDB DescribeTable", () => {
  it("has no SSEDescription for default (AWS-owned key) encryption", async () => {
    const t = (await ddb.send(new DescribeTableCommand({ TableName: "a-default" }))).Table;
    expect(t).toMatchObject({
      TableName: "a-default",
      TableArn: `arn:aws:dynamodb:${R}:${A}:table/a-default`,
      TableStatus: "ACTIVE",
      ItemCount: 7,
    });
    expect(t?.CreationDateTime).toBeInstanceOf(Date);
    expect(t && "SSEDescription" in t).toBe(false);
  });

  it("describes KMS encryption with the key ARN", async () => {
    const t = (await ddb.send(new DescribeTableCommand({ TableName: "b-kms" }))).Table;
    expect(t?.SSEDescription).toEqual({ Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: KEY });
  });

  it("answers ResourceNotFoundException for an unknown table or another region's", async () => {
    for (const TableName of ["nope", "eu-only"]) {
      const e = await sdkError(ddb.send(new DescribeTableCommand({ TableName })));
      expect(e.name).toBe("ResourceNotFoundException");
    }
  });
});

describe("DynamoDB ListTagsOfResource", () => {
  it("round-trips hostile tags", async () => {
    const out = await ddb.send(
      new ListTagsOfResourceCommand({ ResourceArn: `arn:aws:dynamodb:${R}:${A}:table/b-kms` }),
    );
    expect(out.Tags).toEqual([{ Key: HOSTILE, Value: `"${HOSTILE}"` }]);
  });

  it("answers ResourceNotFoundException for an unknown ARN", async () => {
    const e = await sdkError(
      ddb.send(new ListTagsOfResourceCommand({ ResourceArn: `arn:aws:dynamodb:${R}:${A}:table/nope` })),
    );
    expect(e.name).toBe("ResourceNotFoundException");
  });
});
