// The newest-capture index of `evaluate --input` in a temporary table of a SQLite connection (on
// disk, in SQLite's page cache): memory stays flat however many resources the files hold. The
// store's connection holds it in-thread (Store.captureIndex); the item parser worker, its own.
import type Database from "better-sqlite3";

/** One resource's newest capture. */
export interface CaptureEntry {
  time: number;
  hash: string;
  use: "usable" | "deleted" | "notRecorded";
  file: number;
  /** Where it is: account, region and resource id, NUL-separated (the key may be its ARN). */
  place: string;
}

export interface CaptureIndexTable {
  get(key: string): CaptureEntry | undefined;
  set(key: string, e: CaptureEntry): void;
  entries(): Iterable<[string, CaptureEntry]>;
}

/** Writes held before one transaction writes them: one autocommit per item cost more than reading it. */
const PENDING = 5000;

/** The index in `db`'s temporary table, emptied first. */
export function captureIndexIn(db: Database.Database): CaptureIndexTable {
  // 32 MiB of cache for the index (SQLite's default is 2 MiB): its entries arrive in file order, not
  // key order, and at 200k items the default read 276 MB back, this 41 MB (bench/README.md).
  db.pragma("temp.cache_size = -32768");
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS capture_index (
    key TEXT PRIMARY KEY, time INTEGER NOT NULL, hash TEXT NOT NULL, use TEXT NOT NULL, file INTEGER NOT NULL,
    place TEXT NOT NULL
  ) WITHOUT ROWID`);
  db.exec("DELETE FROM temp.capture_index");
  const cols = "time, hash, use, file, place";
  const get = db.prepare(`SELECT ${cols} FROM temp.capture_index WHERE key = ?`);
  const set = db.prepare(
    `INSERT INTO temp.capture_index (key, ${cols}) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET time = excluded.time, hash = excluded.hash, use = excluded.use,
       file = excluded.file, place = excluded.place`,
  );
  const all = db.prepare(`SELECT key, ${cols} FROM temp.capture_index`);
  let pending = new Map<string, CaptureEntry>();
  const flush = db.transaction((rows: Map<string, CaptureEntry>) => {
    for (const [key, e] of rows) set.run(key, e.time, e.hash, e.use, e.file, e.place);
  });
  const drain = (): void => {
    if (pending.size === 0) return;
    flush(pending);
    pending = new Map();
  };
  return {
    get: (key) => pending.get(key) ?? (get.get(key) as CaptureEntry | undefined),
    set: (key, e) => {
      pending.set(key, e);
      if (pending.size >= PENDING) drain();
    },
    *entries() {
      drain();
      for (const r of all.iterate() as Iterable<CaptureEntry & { key: string }>) yield [r.key, r];
    },
  };
}
