#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `prepare` on `npm ci`).
// dpscan pins Node 20 (see README); the SDK's notice about its future Node 22 floor is not for end users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { main } = await import("../dist/cli/main.js");

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`dpscan: internal error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 70; // EXIT.internal (src/util/errors.ts)
  },
);
