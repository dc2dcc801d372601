// The simulator's AWS Config items of a world, for parity tests: a collector's record of a resource
// has the configuration, names and tags Config records for it.
import { expect } from "vitest";
import type { ResourceRecord } from "../../src/model/resource.js";
import { RECORDED_TYPES, type ConfigItem } from "../../src/sim/services/config-items.js";
import type { World } from "../../src/sim/world/types.js";
import { MGMT } from "./sim.js";

export interface ItemScope {
  /** Default us-east-1 (ignored for global types and buckets). */
  region?: string;
  /** Default MGMT. */
  accountId?: string;
}

/** The items Config records of `type` in one account and region, in the simulator's order. */
export function configItems(world: World, type: string, scope: ItemScope = {}): ConfigItem[] {
  const rt = RECORDED_TYPES.find((t) => t.type === type);
  const account = world.accounts.get(scope.accountId ?? MGMT);
  if (!rt || !account) return [];
  const region = scope.region ?? "us-east-1";
  return Array.from({ length: rt.size(account, region) }, (_, i) => rt.item(account, region, i)).filter(
    (ci): ci is ConfigItem => ci !== undefined,
  );
}

/** The item of resource `id`, or undefined when Config records none. */
export function configItem(
  world: World,
  type: string,
  id: string,
  scope: ItemScope = {},
): ConfigItem | undefined {
  return configItems(world, type, scope).find((ci) => ci.resourceId === id);
}

/** A Config item's `tags` ([{key, value}]) as a record's tags map. */
export function configTags(ci: ConfigItem | undefined): Record<string, string> {
  return Object.fromEntries((ci?.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]));
}

/**
 * The record has the Config item's configuration, resource name, ARN and tags. `subset`: every
 * field Config records is in the configuration with the same value (the record may carry more API
 * fields); otherwise the configuration is exactly Config's.
 */
export function expectConfigParity(
  rec: ResourceRecord | undefined,
  ci: ConfigItem | undefined,
  opts: { subset?: boolean } = {},
): void {
  const label = `${rec?.resourceType} ${rec?.resourceId}`;
  expect(rec).toBeDefined();
  expect(ci, `${label} has a Config item`).toBeDefined();
  const cfg = ci?.configuration as Record<string, unknown>;
  const mine = opts.subset
    ? Object.fromEntries(Object.keys(cfg).map((k) => [k, rec?.configuration[k]]))
    : rec?.configuration;
  expect(mine, label).toEqual(cfg);
  expect(rec?.resourceName, label).toBe(ci?.resourceName);
  expect(rec?.arn, label).toBe(ci?.arn);
  expect(rec?.tags, label).toEqual(configTags(ci));
}
