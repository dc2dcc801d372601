// An experiment, not a scenario of `npm run bench`: how fast one scan's findings can be written in
// other row shapes than today's. It copies a database made by `dpscan evaluate`, reads scan 1's
// findings into memory, then writes them again as a new scan in the shape named by MODE, 5,000
// per transaction as Store.insertFindings does, and prints findings per CPU second, bytes written
// and read (/proc/self/io) and, for today's shape, that the copy equals the original.
//
//   node bin/dpscan.js --no-config --db /tmp/e.db evaluate --input items.jsonl   # any evaluated DB
//   node bench/experiments/finding-rows.mjs /tmp/e.db MODE
//
// MODE: row (today: 13 values per finding, both indexes), row-noro (without
// findings_report_order), row-none (without either secondary index), narrow (the finding refers
// to its resource by row id and to its rule by number; status and severity as numbers; message
// and evidence the only text; two indexes), narrow-pass (the same, PASS without message and
// evidence). Results: bench/README.md, "What a finding row costs". The `row` modes write the
// findings table as it was before migration 013, so they need a database written by a dpscan
// before it (`c21f4ef` or earlier); since 013 a finding is stored much as `narrow` with the rule by
// name (bench/README.md, w15).
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";

const [src, mode = "row"] = process.argv.slice(2);
if (!src) throw new Error("usage: finding-rows.mjs EVALUATED.db [MODE]");
const dst = `${src}.finding-rows-${mode}.db`;
const remove = () => ["", "-wal", "-shm"].forEach((s) => rmSync(dst + s, { force: true }));
remove();
{
  const d = new Database(src);
  d.pragma("wal_checkpoint(TRUNCATE)");
  d.close();
}
copyFileSync(src, dst);
const db = new Database(dst);
// The store's own settings (src/store/store.ts).
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("cache_size = -65536");
db.pragma("foreign_keys = ON");
if (mode === "row-noro" || mode === "row-none") db.exec("DROP INDEX findings_report_order");
if (mode === "row-none") db.exec("DROP INDEX findings_lookup");

const cols =
  "resource_pk, rule_id, status, severity, severity_rank, resource_type, resource_id, arn, account_id, region, message, evidence_json";
const rows = db.prepare(`SELECT ${cols} FROM findings WHERE scan_id = 1 ORDER BY id`).raw().all();
const scanId = db
  .prepare(
    `INSERT INTO scans (kind, status, source, started_at, dpscan_version)
     SELECT kind, status, source, started_at, dpscan_version FROM scans WHERE id = 1`,
  )
  .run().lastInsertRowid;

const io = () =>
  Object.fromEntries(
    readFileSync("/proc/self/io", "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(": "))
      .map(([k, v]) => [k, Number(v)]),
  );
const BATCH = 5000;
const batches = (write) => {
  for (let i = 0; i < rows.length; i += BATCH) write(rows.slice(i, i + BATCH));
};

const io0 = io();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
if (mode.startsWith("narrow")) {
  db.exec(`CREATE TABLE narrow (id INTEGER PRIMARY KEY, scan_id INTEGER NOT NULL, resource_pk INTEGER NOT NULL,
      rule_no INTEGER NOT NULL, status INTEGER NOT NULL, severity_rank INTEGER NOT NULL, message TEXT, evidence_json TEXT);
    CREATE INDEX narrow_order ON narrow (scan_id, status, severity_rank DESC, rule_no, resource_pk);
    CREATE INDEX narrow_rule ON narrow (scan_id, rule_no, resource_pk);`);
  const ruleNo = new Map();
  const status = { FAIL: 0, UNKNOWN: 1, PASS: 2 };
  const compactPass = mode === "narrow-pass";
  const insert = db.prepare(
    "INSERT INTO narrow (scan_id, resource_pk, rule_no, status, severity_rank, message, evidence_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  batches(
    db.transaction((batch) => {
      for (const r of batch) {
        let no = ruleNo.get(r[1]);
        if (no === undefined) ruleNo.set(r[1], (no = ruleNo.size));
        const bare = compactPass && r[2] === "PASS";
        insert.run(scanId, r[0], no, status[r[2]], r[4], bare ? null : r[10], bare ? null : r[11]);
      }
    }),
  );
} else {
  const insert = db.prepare(
    `INSERT INTO findings (scan_id, ${cols}) VALUES (${Array(13).fill("?").join(", ")})`,
  );
  batches(
    db.transaction((batch) => {
      for (const r of batch) insert.run(scanId, ...r);
    }),
  );
}
const seconds = (performance.now() - t0) / 1000;
const used = process.cpuUsage(cpu0);
const io1 = io();
const cpu = (used.user + used.system) / 1e6;
const differing = mode.startsWith("narrow")
  ? null
  : db
      .prepare(
        `SELECT count(*) AS n FROM (SELECT ${cols} FROM findings WHERE scan_id = 1
         EXCEPT SELECT ${cols} FROM findings WHERE scan_id = ?)`,
      )
      .get(scanId).n;
console.log(
  JSON.stringify({
    mode,
    findings: rows.length,
    wallS: +seconds.toFixed(2),
    cpuS: +cpu.toFixed(2),
    perCpuSecond: Math.round(rows.length / cpu),
    writtenMB: Math.round((io1.wchar - io0.wchar) / 1e6),
    readMB: Math.round((io1.rchar - io0.rchar) / 1e6),
    differing,
  }),
);
db.close();
remove();
