// Processes for ownership tests: a PID that no longer runs, as a crashed owner leaves behind.
import { spawnSync } from "node:child_process";

/** The pid of a process that has exited. */
export function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid ?? 999_999;
}
