import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two files at a time on CI's two cores (vitest's default there is one): most tests wait on a
    // dpscan process or the simulator, and one at a time took CI to 15 minutes on a slow VM.
    maxWorkers: 2,
    // dpscan pins Node 20; the SDK's notice about its future Node 22 floor is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
