// The first SIGINT/SIGTERM a command gets asks it to stop (an abort its steps check between
// files); a second exits at once with 130, for when the command does not stop soon enough.
import { EXIT } from "../util/errors.js";

export interface StopRequest {
  signal: AbortSignal;
  /** Gives the signals back to Node's defaults. */
  release(): void;
}

export function stopOnSignal(): StopRequest {
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(EXIT.interrupted);
    stop.abort(new Error(`received ${sig}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: stop.signal,
    release() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
