// The options of one scan, as the pipeline below the CLI reads them (flags and the settings file
// are merged into this by src/cli/scan-options.ts).

/** Client-side pacing of one service per account and region. */
export interface Rate {
  ratePerSecond: number;
  burst: number;
}

export interface ScanOptions {
  profile?: string;
  endpointUrl?: string;
  region: string;
  accounts?: string[];
  org: boolean;
  excludeAccounts: string[];
  roleName?: string;
  externalId?: string;
  roleSessionName: string;
  sessionDuration: number;
  regions?: string[];
  services?: string[];
  concurrency: number;
  accountConcurrency: number;
  /** Keyed by service name (src/aws/services.ts); validated where options are parsed. */
  rates: Partial<Record<string, Rate>>;
  requireFullCoverage: boolean;
  logFormat: "text" | "json";
  progress: boolean;
  quiet: boolean;
  source: "api" | "config";
  aggregator?: string;
  enrich: boolean;
  params: Record<string, Record<string, unknown>>;
}
