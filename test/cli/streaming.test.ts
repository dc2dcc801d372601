// `findings` streams from the database: rows are written while the query is still being
// iterated, whatever the format, so memory does not follow the number of findings; and a reader
// that goes away (`dpscan findings | head`) ends the output quietly with exit code 0.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { guardStream, writeChunks } from "../../src/cli/output.js";
import { CSV_HEADERS, FINDING_FIELDS, findingDoc } from "../../src/report/findings-view.js";
import { csv } from "../../src/report/text.js";
import { Store } from "../../src/store/store.js";
import { countPulledRows } from "../helpers/pulled.js";
import { volumeRecord } from "../helpers/records.js";
import { useSharedDatabase } from "../helpers/tmp.js";

// Enough that a document built in memory would show (8 MB of CSV, hundreds of writes); 200,000
// took 35 of CI's seconds for the same property.
const TOTAL = 50_000;

afterEach(() => vi.restoreAllMocks());

/** A database with one complete scan of TOTAL findings (shared by the tests: it takes a while). */
function bigDatabase(dir: string): string {
  const path = join(dir, "big.db");
  const s = new Store(path);
  const id = s.beginScan("evaluate", "big");
  s.recordRules(id, [
    {
      id: "ebs-volume-unencrypted",
      title: "t",
      severity: "high",
      sha256: "x",
      remediation: "r",
      references: {},
    },
  ]);
  s.insertFindings(
    id,
    (function* () {
      for (let i = 0; i < TOTAL; i++)
        yield {
          ruleId: "ebs-volume-unencrypted",
          status: "FAIL" as const,
          severity: "high" as const,
          resource: volumeRecord(`vol-${i}`),
          message: `volume ${i} is not encrypted`,
          evidence: {},
        };
    })(),
  );
  s.finishScan(id, "complete", {});
  s.close();
  return path;
}

/** Count the rows the store hands out, and what was written to stdout when. */
function instrument(after?: { writes: number; then: () => void }) {
  const seen = countPulledRows({ pulled: 0, writes: 0, bytes: 0, pulledAtWrites: [] as number[] });
  vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array) => {
    seen.writes++;
    seen.bytes += chunk.length;
    seen.pulledAtWrites.push(seen.pulled);
    if (after && seen.writes === after.writes) after.then();
    return true;
  }) as typeof process.stdout.write);
  return seen;
}

describe("findings output streams from the database", () => {
  const { db, dir } = useSharedDatabase(bigDatabase);

  // All of them as CSV; JSON and the table take the first 10,000 (the same code path, less time).
  it.each([
    ["csv", TOTAL],
    ["json", 10_000],
    ["table", 10_000],
  ])("%s: rows are written while the query is still being read", async (format, rows) => {
    const seen = instrument();
    const errs: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation(
      ((c: string) => (errs.push(String(c)), true)) as typeof process.stderr.write,
    );
    const code = await main([
      "node",
      "dpscan",
      "--db",
      db(),
      "findings",
      "--format",
      format,
      "--limit",
      String(rows),
    ]);
    expect(errs.join("")).toBe("");
    expect(code).toBe(0);
    expect(seen.pulled).toBe(rows);
    // Written in pieces as rows arrive, not as one document built in memory first.
    expect(seen.writes).toBeGreaterThan(10);
    expect(seen.pulledAtWrites.some((n) => n > 0 && n < rows / 4)).toBe(true);
  });

  it("a streamed CSV of every finding is the CSV built in memory, byte for byte", async () => {
    const file = join(dir(), "all.csv");
    // The command prints the CSV on stdout too: the file is what is compared.
    vi.spyOn(process.stdout, "write").mockImplementation((() => true) as typeof process.stdout.write);
    vi.spyOn(process.stderr, "write").mockImplementation((() => true) as typeof process.stderr.write);
    const code = await main(["node", "dpscan", "--db", db(), "findings", "--format", "csv", "-o", file]);
    expect(code).toBe(0);
    const store = new Store(db(), { readonly: true });
    try {
      const scan = store.latestCompleteScan();
      if (!scan) throw new Error("no scan");
      const rows = [...store.iterateFindingDocs(scan.id, { statuses: ["FAIL", "UNKNOWN"] })];
      expect(rows).toHaveLength(TOTAL);
      const whole = csv(
        CSV_HEADERS,
        rows.map((r) => {
          const doc = findingDoc(r, null);
          return [scan.id, scan.status, ...FINDING_FIELDS.map((k) => doc[k])];
        }),
      );
      expect(readFileSync(file, "utf8") === whole).toBe(true);
    } finally {
      store.close();
    }
  });

  // Last in this file: for the rest of the process, stdout stays closed, as it would for real.
  it("a reader that goes away ends the output: exit 0, no stack trace, the query stops early", async () => {
    const errors: string[] = [];
    const seen = instrument({
      writes: 3,
      then: () => {
        // What a closed pipe does to stdout: an EPIPE error (stdout is not marked destroyed).
        process.stdout.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(((c: string) => {
      errors.push(String(c));
      return true;
    }) as typeof process.stderr.write);
    try {
      const code = await main(["node", "dpscan", "--db", db(), "findings", "--format", "csv"]);
      expect(code).toBe(0);
      expect(seen.pulled).toBeLessThan(1000);
    } finally {
      stderr.mockRestore();
    }
    expect(errors).toEqual([]);
  });
});

describe("writing to a pipe whose reader exits", () => {
  it("stops pulling chunks once the pipe is closed, without an unhandled error", async () => {
    const head = spawn("head", ["-c", "100"], { stdio: ["pipe", "ignore", "ignore"] });
    guardStream(head.stdin);
    let pulled = 0;
    const endless = (function* () {
      for (;;) {
        pulled++;
        yield `${"x".repeat(1000)}\n`;
      }
    })();
    await writeChunks(head.stdin, endless);
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(100_000);
  });
});
