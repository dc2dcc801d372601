// The factory's clients cache their middleware stack and signer only where that is safe: where no
// operation takes its endpoint from the request. Concurrent calls through one client still get each
// its own answer, cached (KMS) or not (S3).
import { createRequire } from "node:module";
import { DescribeKeyCommand, GetKeyPolicyCommand } from "@aws-sdk/client-kms";
import { GetBucketPolicyCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ClientFactory, INPUT_DEPENDENT_ENDPOINTS } from "../../src/aws/clients.js";
import { CLIENT_MODULES, type ServiceName } from "../../src/aws/services.js";
import { generateWorld } from "../../src/sim/world/generate.js";
import { withSimulator } from "../sim/harness.js";

const require = createRequire(import.meta.url);

interface EndpointInstruction {
  type: string;
}
type CommandClass = { getEndpointParameterInstructions?: () => Record<string, EndpointInstruction> };

/** Whether any command of the service's package resolves its endpoint from its input. */
function endpointFromInput(service: ServiceName): boolean {
  const pkg = require(CLIENT_MODULES[service][0]) as Record<string, unknown>;
  return Object.entries(pkg).some(([name, value]) => {
    if (!name.endsWith("Command")) return false;
    const instructions = (value as CommandClass).getEndpointParameterInstructions?.() ?? {};
    return Object.values(instructions).some(
      (i) => i.type === "contextParams" || i.type === "operationContextParams",
    );
  });
}

describe("middleware caching", () => {
  it("is off exactly for the services whose endpoints depend on a request's input", () => {
    const services = Object.keys(CLIENT_MODULES) as ServiceName[];
    const dependent = services.filter(endpointFromInput).sort();
    expect(dependent).toEqual([...INPUT_DEPENDENT_ENDPOINTS].sort());
  });

  it("concurrent calls through one client each get their own answer, cached or not", async () => {
    const w = generateWorld({ accounts: 1, regions: 1, scale: 200, seed: 5 });
    const region = w.accounts.at(0).region("us-east-1")!;
    const keys = Array.from({ length: Math.min(40, region.kmsKeys.size) }, (_, i) => region.kmsKeys.at(i));
    const g = w.accounts.at(0).global.buckets;
    const buckets = Array.from({ length: g.size }, (_, i) => g.at(i)).filter(
      (b) => b.Region === "us-east-1" && b.Policy !== null,
    );
    expect(keys.length).toBeGreaterThan(10);
    expect(buckets.length).toBeGreaterThan(5);
    await withSimulator({ world: w }, async (sim) => {
      const factory = new ClientFactory({ concurrency: 64, endpoint: sim.endpoint, s3PathStyle: true });
      try {
        const creds = sim.credentials;
        const session = factory.session(w.managementAccountId, async () => creds);
        const kms = session.client("kms", "us-east-1");
        const s3 = session.client("s3", "us-east-1");
        expect((kms.config as { cacheMiddleware?: boolean }).cacheMiddleware).toBe(true);
        expect((s3.config as { cacheMiddleware?: boolean }).cacheMiddleware).toBeUndefined();
        const [described, policies, bucketPolicies] = await Promise.all([
          Promise.all(keys.map((k) => kms.send(new DescribeKeyCommand({ KeyId: k.KeyId })))),
          Promise.all(
            keys.map((k) => kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: "default" }))),
          ),
          Promise.all(buckets.map((b) => s3.send(new GetBucketPolicyCommand({ Bucket: b.Name })))),
        ]);
        // One signer per client and auth scheme for KMS; S3 keeps the SDK's signer per request.
        type Signing = { config: { signer: (s?: object) => Promise<unknown> } };
        const scheme = { signingName: "kms", signingRegion: "us-east-1" };
        const kmsSigner = (kms as unknown as Signing).config.signer;
        expect(await kmsSigner(scheme)).toBe(await kmsSigner({ ...scheme }));
        const s3Signer = (s3 as unknown as Signing).config.signer;
        expect(await s3Signer()).not.toBe(await s3Signer());
        expect(described.map((d) => d.KeyMetadata?.KeyId)).toEqual(keys.map((k) => k.KeyId));
        expect(policies.map((p) => p.Policy)).toEqual(keys.map((k) => k.Policy));
        expect(bucketPolicies.map((p) => p.Policy)).toEqual(buckets.map((b) => b.Policy));
      } finally {
        factory.destroy();
      }
    });
  });
});
