// Files a reader may open at any moment (reports, a schedule's output): written in pieces to a
// temporary name beside the target, then renamed, so no one ever reads half a file.
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";

export function writeFileAtomically(path: string, chunks: Iterable<string | Buffer>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    for (const c of chunks) writeSync(fd, typeof c === "string" ? Buffer.from(c, "utf8") : c);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
