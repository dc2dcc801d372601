// Errors a user can act on. InputError and UsageError exit with code 2 and print one line each;
// anything else is an internal error (exit 1, stack only with --verbose).

export class InputError extends Error {
  /** One line per problem, each naming file:line:col and field where known. */
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
  }
}

export class UsageError extends Error {}

/**
 * The machine, not dpscan, is in the way: a read-only, locked, corrupt, full or newer-schema
 * database, say. Exit 2 with one line naming the path and the cause; never "internal error".
 */
export class EnvironmentError extends Error {}

/**
 * Run `fn`, adding the lines of a bad-input or usage error to `into` instead of throwing, so a
 * command can report every problem of its input at once. Other errors propagate.
 */
export function collectProblems<T>(into: string[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InputError) into.push(...err.lines);
    else if (err instanceof UsageError) into.push(err.message);
    else throw err;
    return undefined;
  }
}

export const EXIT = {
  ok: 0,
  internal: 1,
  badInput: 2,
  incompleteCoverage: 3,
  /** `evidence verify`: a file was changed, added or removed, or the signature does not hold. */
  tampered: 4,
  /** SIGINT or SIGTERM: 128 + 2, as shells report an interrupted command. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
