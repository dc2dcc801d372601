// The ClientFactory a scan's options ask for: one definition for the main thread and the
// collection workers, which build their own factory with their share of the call cap.
import type { ClientFactoryOptions } from "../aws/clients.js";
import { configuredS3Endpoint } from "../aws/profile.js";
import type { ScanOptions } from "../model/scan-options.js";

export async function factoryOptions(
  options: ScanOptions,
  signal: AbortSignal,
  concurrency = options.concurrency,
): Promise<ClientFactoryOptions> {
  return {
    concurrency,
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    s3PathStyle: Boolean(options.endpointUrl) || (await configuredS3Endpoint()) !== undefined,
    rates: options.rates,
    rateShare: options.rateShare,
    signal,
  };
}
