// Worlds of one account for collector tests.
import { arrayCollection } from "../../src/sim/world/collection.js";
import type { World } from "../../src/sim/world/types.js";
import { MGMT, makeAccount, testWorld, type AccountSpec } from "./sim.js";

/**
 * A world whose only account is MGMT (the management account), made by makeAccount from `account`
 * (enabled regions, sizes, regional or global resources); `partial` overrides top-level fields (faults, …).
 */
export function mgmtOnlyWorld(account: Omit<AccountSpec, "id"> = {}, partial: Partial<World> = {}): World {
  return testWorld({
    accounts: arrayCollection([makeAccount({ id: MGMT, ...account })], (a) => a.Id),
    ...partial,
  });
}
