// SQLite's errors that are about the machine, not about dpscan: said as one line naming the
// database and the cause (exit 2), never as an internal error. Nothing is written when they occur
// (each write is a transaction), so the database is left as it was.
import { EnvironmentError } from "../util/errors.js";

const CAUSES: readonly [RegExp, string][] = [
  [
    /^SQLITE_READONLY/,
    "the database is read-only (its file, directory or file system does not allow writing)",
  ],
  [/^SQLITE_BUSY|^SQLITE_LOCKED/, "the database is locked by another process (waited 5 s)"],
  [/^SQLITE_NOTADB|^SQLITE_CORRUPT/, "the file is not a dpscan database, or it is corrupt"],
  [/^SQLITE_FULL/, "the disk (or the database's size limit) is full"],
  [
    /^SQLITE_CANTOPEN/,
    "the database file cannot be opened (does its directory exist and may dpscan write there?)",
  ],
  [/^SQLITE_IOERR/, "an I/O error while reading or writing the database"],
  [/^SQLITE_PERM|^SQLITE_AUTH/, "permission denied"],
];

/** File-system errors while creating the database's directory or file (only there: elsewhere they are not the database's). */
const FS_CAUSES: readonly [RegExp, string][] = [
  [
    /^(ENOTDIR|ENOENT|EISDIR|EEXIST|ENAMETOOLONG)$/,
    "the path cannot hold a database (a part of it is not a directory)",
  ],
  [/^(EACCES|EPERM)$/, "permission denied"],
  [/^EROFS$/, "the file system is read-only"],
  [/^ENOSPC$/, "the disk is full"],
];

/** The database most recently opened (a command opens one): what a later SQLite error is about. */
export const lastOpened: { path: string | undefined } = { path: undefined };

/** The environment error behind a SQLite error on `path`, or undefined for anything else. */
export function storeEnvironmentError(
  err: unknown,
  path = lastOpened.path ?? "the database",
  opening = false,
): EnvironmentError | undefined {
  if (err instanceof EnvironmentError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return undefined;
  const cause = [...CAUSES, ...(opening ? FS_CAUSES : [])].find(([re]) => re.test(code))?.[1];
  return cause ? new EnvironmentError(`${path}: ${cause} (${code})`) : undefined;
}
