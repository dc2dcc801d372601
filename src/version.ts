import { readFileSync } from "node:fs";

/** dpscan's version, from package.json (one place). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
