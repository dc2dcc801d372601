// How dpscan was started, so the commands it suggests ("run dpscan scan --resume") work as printed:
// after `npm ci` there is no `dpscan` on PATH, but `npx dpscan` and `node bin/dpscan.js` work.
import { basename, delimiter, dirname, relative, resolve } from "node:path";

let invokedAs: string | undefined;

/** Remember how dpscan was started (main's argv[1]), so hints repeat a command that exists. */
export function setInvocation(script: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  invokedAs = invocationFor(script, env);
}

/**
 * The command a user types to run dpscan again: `npx dpscan` under npm (`npx`, `npm run`), the
 * name when it is found on PATH, else `node <path to the script>`.
 */
export function invocationFor(script: string | undefined, env: NodeJS.ProcessEnv): string {
  if (env.npm_command === "exec" || env.npm_lifecycle_event !== undefined) return "npx dpscan";
  if (!script || !script.includes("/")) return "dpscan";
  if (basename(script) === "dpscan") {
    const dir = dirname(resolve(script));
    if ((env.PATH ?? "").split(delimiter).some((p) => p !== "" && resolve(p) === dir)) return "dpscan";
  }
  const near = relative(process.cwd(), resolve(script));
  return `node ${shellWord(near && !near.startsWith("..") ? near : resolve(script))}`;
}

/** The invocation hints start with (`dpscan` until main says otherwise). */
export function invocation(): string {
  return invokedAs ?? "dpscan";
}

/** A word a POSIX shell reads back unchanged. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
