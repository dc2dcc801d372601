// DynamoDB collector: tables with their encryption settings and tags. Config records tables with
// bean-style keys (`ssedescription.kmsmasterKeyArn`), so `configuration` is DescribeTable's `Table`
// shaped that way. A table on DynamoDB's default AWS-owned key has no SSE description at all: that
// is recorded as AWS reports it, never filled in. See docs/collectors/dynamodb.md.
import {
  DescribeTableCommand,
  ListTagsOfResourceCommand,
  paginateListTables,
  type TableDescription,
  type Tag,
} from "@aws-sdk/client-dynamodb";
import type { JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import { beanShape } from "./shape.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector, CollectorContext, EmittedResource } from "./types.js";

const SERVICE = "dynamodb";
/** ListTables accepts Limit 1..100. */
const PAGE = 100;

export const dynamodbCollector: Collector = {
  ...COLLECTOR_MANIFESTS.dynamodb,
  async collect(ctx) {
    const client = ctx.client(SERVICE);
    await ctx.list(SERVICE, "ListTables", {
      pages: paginateListTables({ client, pageSize: PAGE }, {}),
      items: (page) => page.TableNames,
      readRecord: async (name) => (name !== "" ? readTable(ctx, name) : undefined),
    });
  },
};

async function readTable(ctx: CollectorContext, name: string): Promise<EmittedResource> {
  const client = ctx.client(SERVICE);
  const fallbackArn = `arn:${ctx.partition}:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;
  const table = await ctx.detail(SERVICE, "DescribeTable", async () => {
    const out = await client.send(new DescribeTableCommand({ TableName: name }));
    // An answer without the table is no answer: a marker, not an empty configuration.
    if (!out.Table)
      throw Object.assign(new Error("DescribeTable returned no Table"), { name: "EmptyResponse" });
    return out.Table;
  });
  const arn = (table.ok ? table.value?.TableArn : undefined) ?? fallbackArn;
  const tags = await ctx.detail(SERVICE, "ListTagsOfResource", async () => {
    const all: Tag[] = [];
    let token: string | undefined;
    do {
      const out = await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: token }));
      all.push(...(out.Tags ?? []));
      token = out.NextToken;
    } while (token);
    return all;
  });
  return {
    resourceType: RESOURCE_TYPES.dynamodbTable,
    resourceId: name,
    resourceName: name,
    arn,
    configuration: table.ok ? tableConfiguration(table.value) : table.marker,
    // Tags cannot hold a marker: an unreadable tag list is recorded beside them.
    ...(tags.ok ? {} : { supplementaryConfiguration: { Tags: tags.marker } }),
    tags: tags.ok ? (tags.value ?? []) : [],
  };
}

/** DescribeTable's `Table` with bean-style keys, as AWS Config records AWS::DynamoDB::Table. */
export function tableConfiguration(t: TableDescription | null): JsonObject {
  return t ? beanShape(t) : {};
}
