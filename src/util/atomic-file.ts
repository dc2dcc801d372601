// Files a reader may open at any moment (reports, a schedule's output): written in pieces to a
// temporary name beside the target, then renamed, so no one ever reads half a file.
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";

export function writeFileAtomically(path: string, chunks: Iterable<string | Buffer>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    // Gathered to 64 KiB: a write per finding was a million system calls for a large scan.
    let pending = "";
    for (const c of chunks) {
      if (typeof c !== "string") {
        if (pending) writeSync(fd, pending);
        pending = "";
        writeSync(fd, c);
        continue;
      }
      pending += c;
      if (pending.length >= 1 << 16) {
        writeSync(fd, pending);
        pending = "";
      }
    }
    if (pending) writeSync(fd, pending);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
