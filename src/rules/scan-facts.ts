// Facts about a whole scan that rules may read — who is in the organisation — taken from the
// scan's own records, so a stored scan re-evaluates to the same answer and examples can state them.
import type { ResourceRecord } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";

export interface ScanFacts {
  /** The organisation's account ids; absent when the scan does not know its organisation. */
  organizationAccounts?: readonly string[];
}

/** The record types scan facts are read from (the store is asked for only these). */
export const SCAN_FACT_TYPES: string[] = [RESOURCE_TYPES.organizationsAccount];

export function scanFactsOf(records: Iterable<ResourceRecord>): ScanFacts {
  const accounts = new Set<string>();
  for (const r of records) {
    if (r.resourceType === RESOURCE_TYPES.organizationsAccount) accounts.add(r.resourceId);
  }
  return accounts.size > 0 ? { organizationAccounts: [...accounts].sort() } : {};
}
