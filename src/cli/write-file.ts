// Output files written in chunks, so a large document (JUnit for a big organisation) never has
// to be one string in memory.
import { closeSync, openSync, writeSync } from "node:fs";

export function writeChunks(file: string, chunks: Iterable<string>): void {
  const fd = openSync(file, "w");
  try {
    for (const c of chunks) writeSync(fd, c);
  } finally {
    closeSync(fd);
  }
}
