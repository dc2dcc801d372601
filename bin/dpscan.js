#!/usr/bin/env -S node --max-old-space-size=640
// The heap cap keeps a large scan's peak RSS under 1 GiB: without it V8 lets garbage pile up
// towards its default limit (a 200-account scan peaked at 1,041 MB; 200k items evaluated: 550 MB
// uncapped, 369 MB capped, with 80 MB live). `node bin/dpscan.js` runs without the cap: pass the
// same flag (the benchmarks read it from this line: launchFlags in bench/scenarios/lib/common.mjs).
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
