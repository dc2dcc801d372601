// A scan row's life: running → complete, or failed (error) / interrupted (SIGINT, SIGTERM).
// An incomplete scan is never what later commands read by default.
import type { JsonObject } from "../model/resource.js";
import type { ScanKind, Store } from "../store/store.js";

export function runScanLifecycle(
  store: Store,
  kind: ScanKind,
  source: string,
  options: JsonObject,
  body: (scanId: number) => JsonObject,
): number {
  const id = store.beginScan(kind, source, options);
  const onSignal = (sig: NodeJS.Signals): void => {
    store.finishScan(id, "interrupted", null, `received ${sig}`);
    store.close();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const summary = body(id);
    store.finishScan(id, "complete", summary);
    return id;
  } catch (err) {
    store.finishScan(id, "failed", null, err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
