import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { demoWorldPath } from "../../src/sim/world/demo.js";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { NOT_RECORDED_BY_CONFIG } from "../../src/collect/aws-config/aggregator.js";
import { COLLECTORS } from "../../src/collect/registry.js";
import type { FindingRow } from "../../src/model/finding.js";
import { loadRules } from "../../src/rules/loader.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { deadPid } from "../helpers/process.js";
import { withSim, runWithSimEnv } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const PROD = "222222222222";
const DEV = "333333333333";
/** A demo listener's ARN (its ids are derived from account, region and names: see the world file). */
const listener = (account: string, path: string): string =>
  `${account} us-east-1 arn:aws:elasticloadbalancing:us-east-1:${account}:listener/${path}`;

/** The demo world document, optionally with extra faults. */
function demoWorld(extraFaults: Record<string, unknown> = {}) {
  const doc = parse(readFileSync(demoWorldPath(), "utf8")) as Record<string, unknown>;
  const faults = (doc.faults ?? {}) as Record<string, unknown>;
  const denied = [
    ...((faults.accessDenied as unknown[]) ?? []),
    ...((extraFaults.accessDenied as unknown[]) ?? []),
  ];
  doc.faults = { ...faults, ...extraFaults, accessDenied: denied };
  return worldFromDocument(doc, "demo+faults");
}

const ORG_ARGS = [
  "scan",
  "--org",
  "--role-name",
  "dpscan-audit",
  "--external-id",
  "dpscan-demo",
  "--regions",
  "us-east-1,eu-west-1,ap-east-1",
  "--quiet",
  "--no-config",
];

// The ExternalId is never stored (it is a secret): a resumed scan is given it again.
const resumeArgs = (db: string, endpoint: string): string[] => [
  "--db",
  db,
  "scan",
  "--resume",
  "--external-id",
  "dpscan-demo",
  "--quiet",
  "--no-config",
  "--endpoint-url",
  endpoint,
];

const key = (f: Pick<FindingRow, "ruleId" | "status" | "accountId" | "region" | "resourceId">): string =>
  `${f.status} ${f.ruleId} ${f.accountId} ${f.region} ${f.resourceId}`;

function findingsOf(db: string, statuses: ("FAIL" | "UNKNOWN" | "PASS")[] = ["FAIL", "UNKNOWN"]): string[] {
  const s = new Store(db);
  try {
    const scan = s.latestCompleteScan();
    if (!scan) throw new Error("no complete scan");
    return s.queryFindings(scan.id, { statuses }).map(key).sort();
  } finally {
    s.close();
  }
}

// Every FAIL and UNKNOWN the four rules give on the demo organisation (see the header of demo.yaml).
const DEMO_EXPECTED = [
  `FAIL cloudtrail-not-kms-encrypted ${DEV} us-east-1 analytics-local-trail`,
  `FAIL dynamodb-table-not-kms-encrypted ${PROD} us-east-1 payments-idempotency`,
  `FAIL dynamodb-table-not-kms-encrypted ${DEV} us-east-1 analytics-events`,
  `FAIL ebs-default-encryption-disabled ${PROD} eu-west-1 eu-west-1`,
  `FAIL ebs-snapshot-public ${PROD} us-east-1 snap-02e6f81120671bfa0`,
  `FAIL ebs-snapshot-unencrypted ${PROD} us-east-1 snap-02e6f81120671bfa0`,
  `FAIL ebs-snapshot-unencrypted ${PROD} us-east-1 snap-03d5af07bb870bba9`,
  `FAIL ebs-snapshot-unencrypted ${DEV} us-east-1 snap-01cbbbc241aad6c57`,
  `FAIL aws-managed-key-in-use 111111111111 eu-west-1 vol-093577bb3d2e8d191`,
  `FAIL aws-managed-key-in-use 111111111111 us-east-1 vol-04b8603270fc7bd84`,
  `FAIL aws-managed-key-in-use ${PROD} us-east-1 arn:aws:secretsmanager:us-east-1:${PROD}:secret:payments/partner-sftp-652417`,
  `FAIL aws-managed-key-in-use ${PROD} us-east-1 cluster-QBSJFCKJVKU4PC0D145YZJYMYW`,
  `FAIL aws-managed-key-in-use ${PROD} us-east-1 rds:payments-aurora-2026-10-31-03-10`,
  `FAIL aws-managed-key-in-use ${PROD} us-east-1 vol-01da2ec65c2486803`,
  `FAIL aws-managed-key-in-use ${DEV} us-east-1 snap-0790c8c093ccf100d`,
  `FAIL aws-managed-key-in-use ${DEV} us-east-1 vol-0f9d7e0ff5d4383da`,
  `FAIL ebs-volume-unencrypted ${PROD} eu-west-1 vol-0ec9c58f7942e8062`,
  `FAIL ebs-volume-unencrypted ${PROD} us-east-1 vol-0db1e151a31426f6c`,
  `FAIL ebs-volume-unencrypted ${DEV} us-east-1 vol-08e80c43521dee2ed`,
  `FAIL ebs-volume-unencrypted ${DEV} us-east-1 vol-0f93365b68af06271`,
  `FAIL kms-key-pending-deletion ${PROD} us-east-1 9cd1fb4c-5022-4c23-9421-d520e441ac31`,
  `FAIL kms-key-pending-deletion ${PROD} eu-west-1 5b0e7d3c-2f4a-4c1e-9a6b-8d7e6f5a4b3c`,
  `FAIL kms-key-deletion-in-use ${PROD} us-east-1 9cd1fb4c-5022-4c23-9421-d520e441ac31`,
  `FAIL iam-policy-kms-decrypt-all-keys ${PROD} global ANPA215SIZ373R01KLQY7`,
  `FAIL iam-policy-kms-decrypt-all-keys ${PROD} global ANPASE17KZM3H5WH1H0VL`,
  `FAIL iam-policy-kms-decrypt-all-keys ${PROD} global AROA673TOFL2PNMZUOJY7`,
  `FAIL iam-policy-kms-full-access ${PROD} global ANPASE17KZM3H5WH1H0VL`,
  `FAIL iam-policy-kms-full-access ${PROD} global AROA673TOFL2PNMZUOJY7`,
  `FAIL kms-key-policy-cross-account ${PROD} us-east-1 caa49f9e-0a7b-4480-a4db-557b682f0ba2`,
  `FAIL kms-key-policy-no-separation-of-duties ${PROD} us-east-1 32b29e12-f829-43fa-beab-c957febfc8e8`,
  `FAIL kms-key-policy-no-separation-of-duties ${PROD} us-east-1 caa49f9e-0a7b-4480-a4db-557b682f0ba2`,
  `FAIL kms-key-policy-public ${PROD} us-east-1 32b29e12-f829-43fa-beab-c957febfc8e8`,
  `FAIL kms-key-policy-wildcard-grant ${PROD} us-east-1 32b29e12-f829-43fa-beab-c957febfc8e8`,
  `FAIL kms-key-policy-wildcard-grant ${PROD} us-east-1 caa49f9e-0a7b-4480-a4db-557b682f0ba2`,
  `FAIL kms-key-rotation-disabled ${PROD} eu-west-1 4ec95a9e-93cb-4259-9ba8-a12ce93b9fc8`,
  `FAIL kms-key-rotation-disabled ${DEV} us-east-1 29b489a2-49cf-4733-867e-8fdd6ad79f07`,
  `FAIL rds-cluster-unencrypted ${DEV} us-east-1 cluster-OIT7TBNKSYMKB49QALGH5L8192`,
  `FAIL rds-instance-unencrypted ${DEV} us-east-1 db-FCZ947SYXBOYQ28CGWZYLNL97B`,
  `FAIL rds-snapshot-unencrypted ${DEV} us-east-1 analytics-mysql-manual-2026-06`,
  `FAIL rds-snapshot-unencrypted ${DEV} us-east-1 analytics-sandbox-shared`,
  `FAIL s3-bucket-default-encryption-not-kms ${PROD} us-east-1 payments-statements-222222222222`,
  `FAIL s3-bucket-default-encryption-not-kms ${DEV} us-east-1 analytics-curated-333333333333`,
  `FAIL s3-bucket-default-encryption-not-kms ${DEV} us-east-1 analytics-raw-333333333333`,
  `FAIL s3-bucket-key-disabled ${PROD} eu-west-1 payments-dr-backups-222222222222`,
  `FAIL s3-bucket-key-disabled ${DEV} us-east-1 analytics-exports-333333333333`,
  `FAIL s3-bucket-secure-transport-missing ${PROD} us-east-1 payments-statements-222222222222`,
  `FAIL s3-bucket-secure-transport-missing ${DEV} us-east-1 analytics-curated-333333333333`,
  `FAIL s3-bucket-secure-transport-missing ${DEV} us-east-1 analytics-raw-333333333333`,
  `FAIL secret-not-cmk-encrypted ${PROD} us-east-1 arn:aws:secretsmanager:us-east-1:${PROD}:secret:payments/partner-sftp-652417`,
  `FAIL secret-not-rotated-recently ${PROD} us-east-1 arn:aws:secretsmanager:us-east-1:${PROD}:secret:payments/stripe-api-key-f82ac0`,
  `FAIL secret-rotation-disabled ${PROD} us-east-1 arn:aws:secretsmanager:us-east-1:${PROD}:secret:payments/partner-sftp-652417`,
  `UNKNOWN aws-managed-key-in-use ${DEV} eu-west-1 *`,
  `UNKNOWN aws-managed-key-in-use ${DEV} us-east-1 *`,
  `UNKNOWN kms-key-deletion-in-use ${DEV} us-east-1 0c5e5dbf-a32d-46ab-af78-9368572ec6b3`,
  `FAIL s3-bucket-tls-below-1-2 111111111111 us-east-1 org-cloudtrail-logs-111111111111`,
  `FAIL s3-bucket-tls-below-1-2 ${PROD} eu-west-1 payments-dr-backups-222222222222`,
  `FAIL s3-bucket-tls-below-1-2 ${PROD} us-east-1 payments-statements-222222222222`,
  `FAIL s3-bucket-tls-below-1-2 ${DEV} us-east-1 analytics-curated-333333333333`,
  `FAIL s3-bucket-tls-below-1-2 ${DEV} us-east-1 analytics-exports-333333333333`,
  `FAIL s3-bucket-tls-below-1-2 ${DEV} us-east-1 analytics-raw-333333333333`,
  `UNKNOWN kms-key-policy-cross-account ${PROD} us-east-1 ed30f9d2-9953-4834-96a8-a360aff67327`,
  `UNKNOWN kms-key-policy-cross-account ${PROD} us-east-1 fe644dcc-caf4-4fe7-9806-9f6a8a363469`,
  `UNKNOWN kms-key-policy-no-separation-of-duties ${PROD} us-east-1 ed30f9d2-9953-4834-96a8-a360aff67327`,
  `UNKNOWN kms-key-policy-no-separation-of-duties ${PROD} us-east-1 fe644dcc-caf4-4fe7-9806-9f6a8a363469`,
  `UNKNOWN kms-key-policy-public ${PROD} us-east-1 ed30f9d2-9953-4834-96a8-a360aff67327`,
  `UNKNOWN kms-key-policy-public ${PROD} us-east-1 fe644dcc-caf4-4fe7-9806-9f6a8a363469`,
  `UNKNOWN kms-key-policy-wildcard-grant ${PROD} us-east-1 ed30f9d2-9953-4834-96a8-a360aff67327`,
  `UNKNOWN kms-key-policy-wildcard-grant ${PROD} us-east-1 fe644dcc-caf4-4fe7-9806-9f6a8a363469`,
  `UNKNOWN secret-not-cmk-encrypted ${DEV} eu-west-1 *`,
  `UNKNOWN secret-not-cmk-encrypted ${DEV} us-east-1 *`,
  `UNKNOWN secret-not-rotated-recently ${DEV} eu-west-1 *`,
  `UNKNOWN secret-not-rotated-recently ${DEV} us-east-1 *`,
  `UNKNOWN secret-rotation-disabled ${DEV} eu-west-1 *`,
  `UNKNOWN secret-rotation-disabled ${DEV} us-east-1 *`,
  `FAIL elb-listener-http-no-redirect ${listener(PROD, "app/payments-admin/870b2f35839876ae/f0afdcefc06faf02")}`,
  `FAIL elb-listener-http-no-redirect ${listener(PROD, "app/payments-legacy-portal/e4c22e68ce643f90/067e8daeaa60d55c")}`,
  `FAIL elb-listener-tls-policy-outdated ${listener(PROD, "app/payments-legacy-portal/e4c22e68ce643f90/76e9335bf71dd518")}`,
  `FAIL elb-listener-tls-policy-outdated ${listener(PROD, "net/payments-ledger-nlb/d51ff4656766084d/fae094291996fba0")}`,
  `UNKNOWN elb-listener-tls-policy-outdated ${listener(DEV, "app/analytics-dashboards/72b96337ee73c812/a6de0a521470d927")}`,
  `FAIL rds-instance-tls-not-enforced ${PROD} us-east-1 db-RW6YY30AL0PII55V822S78DTUU`, // payments-reporting
  `FAIL rds-instance-tls-not-enforced ${DEV} us-east-1 db-FCZ947SYXBOYQ28CGWZYLNL97B`, // analytics-mysql
  `FAIL rds-instance-tls-not-enforced ${DEV} us-east-1 db-4W0U8TCIYZK6Q734TCNZZ3S3NM`, // analytics-sandbox-1
  `FAIL rds-instance-tls-not-enforced ${DEV} us-east-1 db-WSVP4VHCCPLD7FPINNUTD7BQUB`, // analytics-legacy-maria
  `UNKNOWN rds-instance-tls-not-enforced ${PROD} us-east-1 db-D3T7VFZY5KBBZS2DU8HIU08L4Z`, // payments-settlement
  `FAIL cloudhsm-cluster-single-hsm ${PROD} eu-west-1 cluster-dr5pmtshsm2b`,
].sort();

describe("dpscan scan against the simulated organisation", () => {
  it("scans every account through the role and finds exactly the demo world's findings", async () => {
    const db = join(tmp(), "org.db");
    await withSim(demoWorld(), async (sim) => {
      const r = await runWithSimEnv(sim, ["--db", db, ...ORG_ARGS, "--endpoint-url", sim.endpoint]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toContain("Coverage gaps");
      // AssumeRole into both member accounts; the management account used its own credentials.
      expect(sim.counters.calls({ service: "sts", operation: "AssumeRole" })).toBeGreaterThanOrEqual(2);
      for (const account of ["111111111111", PROD, DEV])
        expect(sim.counters.calls({ account })).toBeGreaterThan(0);
    });
    expect(findingsOf(db)).toEqual(DEMO_EXPECTED);
    const s = new Store(db);
    const scan = s.latestCompleteScan();
    const coverage = s.coverage(scan?.id ?? 0);
    // The disabled opt-in region is skipped, not scanned and not silently dropped.
    expect(
      coverage
        .filter((c) => c.region === "ap-east-1")
        .every((c) => c.status === "skipped" && c.errorCode === "RegionNotEnabled"),
    ).toBe(true);
    expect(coverage.filter((c) => c.region === "ap-east-1").length).toBeGreaterThan(0);
    // The denied service is a gap in every scanned region of that account.
    const denied = coverage.filter((c) => c.status === "denied" && c.service === "secretsmanager");
    expect(denied.map((c) => `${c.accountId}/${c.region}`).sort()).toEqual([
      `${DEV}/eu-west-1`,
      `${DEV}/us-east-1`,
    ]);
    // A malformed key policy is UNKNOWN with the reason, not a crash.
    const malformed = s
      .queryFindings(scan?.id ?? 0, { statuses: ["UNKNOWN"] })
      .find((f) => f.resourceId.startsWith("ed30f9d2"));
    expect(malformed?.message).toMatch(/not a valid policy document/);
    s.close();
  });

  it("turns a denied listing of a type a rule covers into UNKNOWN results, and exits 3 with --require-full-coverage", async () => {
    const db = join(tmp(), "gap.db");
    const world = demoWorld({
      accessDenied: [
        { account: DEV, region: "eu-west-1", service: "ec2", operation: "DescribeVolumes" },
        { account: PROD, region: "eu-west-1", service: "cloudhsm", operation: "DescribeClusters" },
      ],
    });
    await withSim(world, async (sim) => {
      const r = await runWithSimEnv(sim, [
        "--db",
        db,
        ...ORG_ARGS,
        "--endpoint-url",
        sim.endpoint,
        "--require-full-coverage",
      ]);
      expect(r.code).toBe(EXIT.incompleteCoverage);
    });
    const unknown = findingsOf(db).filter((f) => f.startsWith("UNKNOWN ebs-volume-unencrypted"));
    expect(unknown).toEqual([`UNKNOWN ebs-volume-unencrypted ${DEV} eu-west-1 *`]);
    // The DR cluster that FAILs when listed is UNKNOWN when it cannot be: never a quiet PASS.
    const hsm = findingsOf(db, ["FAIL", "UNKNOWN", "PASS"]).filter((f) =>
      f.includes(" cloudhsm-cluster-single-hsm "),
    );
    expect(hsm).toEqual([
      `PASS cloudhsm-cluster-single-hsm ${PROD} us-east-1 cluster-kq6pmts4hsma`,
      `UNKNOWN cloudhsm-cluster-single-hsm ${PROD} eu-west-1 *`,
    ]);
  });

  it("an account whose role cannot be assumed is a gap; the scan goes on", async () => {
    const db = join(tmp(), "role.db");
    await withSim(demoWorld(), async (sim) => {
      // Without the ExternalId, prod-payments refuses the role.
      const args = ORG_ARGS.filter((a, i) => a !== "--external-id" && ORG_ARGS[i - 1] !== "--external-id");
      const r = await runWithSimEnv(sim, ["--db", db, ...args, "--endpoint-url", sim.endpoint]);
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toMatch(/222222222222\s+global\s+sts\s+AssumeRole\s+denied\s+AccessDenied/);
    });
    const all = findingsOf(db);
    expect(all.filter((f) => f.includes(PROD) && !f.endsWith(" *"))).toEqual([]);
    expect(all).toContain(`UNKNOWN ebs-volume-unencrypted ${PROD} * *`);
    expect(all.filter((f) => f.includes(DEV) && f.startsWith("FAIL")).length).toBeGreaterThan(0);
  });

  it("survives a throttling storm with zero failed units and the same findings", async () => {
    const db = join(tmp(), "storm.db");
    const world = demoWorld({
      throttling: {
        enabled: true,
        overrides: {
          ec2: { capacity: 2, refillPerSecond: 8 },
          kms: { capacity: 2, refillPerSecond: 10 },
          s3: { capacity: 2, refillPerSecond: 10 },
        },
      },
    });
    await withSim(world, async (sim) => {
      const r = await runWithSimEnv(sim, ["--db", db, ...ORG_ARGS, "--endpoint-url", sim.endpoint]);
      expect(r.code).toBe(EXIT.ok);
      expect(sim.counters.throttles()).toBeGreaterThan(0);
    });
    const s = new Store(db);
    const cov = s.coverage(s.latestCompleteScan()?.id ?? 0);
    s.close();
    expect(cov.filter((c) => c.status === "failed")).toEqual([]);
    expect(findingsOf(db)).toEqual(DEMO_EXPECTED);
  });

  it("honours AWS_ENDPOINT_URL without --endpoint-url (S3 path-style included)", async () => {
    const db = join(tmp(), "env.db");
    await withSim(demoWorld(), async (sim) => {
      const r = await runWithSimEnv(sim, ["--db", db, ...ORG_ARGS], { AWS_ENDPOINT_URL: sim.endpoint });
      expect(r.code).toBe(EXIT.ok);
    });
    expect(findingsOf(db)).toEqual(DEMO_EXPECTED);
  });

  it("an interrupted scan is marked so, never read as complete, and --resume gives the same findings", async () => {
    const dir = tmp();
    const world = demoWorld({ latency: { distribution: "fixed", value: 3 } });
    // The uninterrupted reference scan, and how many calls a whole scan makes.
    const fullDb = join(dir, "full.db");
    const fullCalls = await withSim(world, async (sim) => {
      const r = await runWithSimEnv(sim, ["--db", fullDb, ...ORG_ARGS, "--endpoint-url", sim.endpoint]);
      expect(r.code).toBe(EXIT.ok);
      return sim.counters.calls();
    });
    const db = join(dir, "resume.db");
    await withSim(world, async (sim) => {
      const first = runWithSimEnv(sim, [
        "--db",
        db,
        ...ORG_ARGS,
        "--endpoint-url",
        sim.endpoint,
        "--concurrency",
        "4",
      ]);
      // Interrupt once collection is well under way (as Ctrl-C would).
      while (sim.counters.calls() < fullCalls / 2) await new Promise((r) => setTimeout(r, 5));
      process.emit("SIGINT");
      const r1 = await first;
      expect(r1.code).toBe(130);
      expect(r1.stderr).toContain("resume with --resume");
      // The hint works as printed: it names this database.
      expect(r1.stderr).toContain(`dpscan --db ${db} scan --resume" to continue it`);
      const s = new Store(db);
      expect(s.latestCompleteScan()).toBeUndefined();
      const interrupted = s.listScans()[0];
      expect(interrupted?.status).toBe("interrupted");
      expect(s.completedUnits(interrupted?.id ?? 0).size).toBeGreaterThan(0);
      // The regional units that finished, and the calls their service got in their account and
      // region (discovery's DescribeRegions aside: every run discovers again).
      const finished = (
        s.db
          .prepare("SELECT account_id, region, collector FROM scan_units WHERE scan_id = ?")
          .all(interrupted?.id ?? 0) as { account_id: string; region: string; collector: string }[]
      ).flatMap((u) => {
        const c = COLLECTORS.find((x) => x.name === u.collector);
        return c && c.scope === "regional"
          ? [{ service: c.service, account: u.account_id, region: u.region }]
          : [];
      });
      const unitCalls = (u: { service: string; account: string; region: string }): number =>
        sim.counters.calls(u) -
        (u.service === "ec2" ? sim.counters.calls({ ...u, operation: "DescribeRegions" }) : 0);
      const before = finished.map(unitCalls);
      s.close();
      const callsBefore = sim.counters.calls();
      const r2 = await runWithSimEnv(sim, resumeArgs(db, sim.endpoint));
      expect(r2.stderr).toBe("");
      expect(r2.code).toBe(EXIT.ok);
      const s2 = new Store(db);
      expect(s2.latestCompleteScan()?.id).toBe(interrupted?.id);
      s2.close();
      // Finished units were not collected again: each finished unit's calls are unchanged by the
      // resume (a total against the full scan's depends on which units happened to finish, since
      // every run discovers regions and assumes roles again).
      expect(sim.counters.calls()).toBeGreaterThan(callsBefore);
      expect(finished.length).toBeGreaterThan(0);
      expect(finished.map(unitCalls)).toEqual(before);
    });
    expect(findingsOf(db)).toEqual(findingsOf(fullDb));
    expect(findingsOf(db, ["PASS"])).toEqual(findingsOf(fullDb, ["PASS"]));
    expect(findingsOf(db)).toEqual(DEMO_EXPECTED);
  });
});

describe("long scans", () => {
  it("refresh role credentials before they expire (sessions shorter than the scan)", async () => {
    const db = join(tmp(), "refresh.db");
    const world = demoWorld({ maxSessionDurationSeconds: 2, latency: { distribution: "fixed", value: 50 } });
    await withSim(world, async (sim) => {
      const r = await runWithSimEnv(sim, [
        "--db",
        db,
        ...ORG_ARGS,
        "--endpoint-url",
        sim.endpoint,
        "--concurrency",
        "3",
      ]);
      expect(r.code).toBe(EXIT.ok);
      // Two member accounts were assumed once each at the start; more AssumeRole calls are renewals
      // during the scan, and no call met an expired token.
      expect(sim.counters.calls({ service: "sts", operation: "AssumeRole" })).toBeGreaterThan(2);
      for (const account of [PROD, DEV]) expect(sim.counters.calls({ account })).toBeGreaterThan(0);
      expect(
        sim.counters.errorCode("ExpiredToken") +
          sim.counters.errorCode("ExpiredTokenException") +
          sim.counters.errorCode("RequestExpired"),
      ).toBe(0);
    });
    const s = new Store(db);
    expect(s.coverage(s.latestCompleteScan()?.id ?? 0).filter((c) => c.status === "failed")).toEqual([]);
    s.close();
    expect(findingsOf(db)).toEqual(DEMO_EXPECTED);
  });
});

// AWS Config records neither EBS snapshots, the EBS default-encryption setting nor CloudHSM
// clusters: through an aggregator, their rules are one honest gap (UNKNOWN for every account and
// region) each.
const NOT_IN_CONFIG = new Set<string>(NOT_RECORDED_BY_CONFIG);
const configGapRules = loadRules()
  .filter((r) => r.resourceTypes.every((t) => NOT_IN_CONFIG.has(t)))
  .map((r) => r.id);
// Config records dev-analytics' secret although an SCP denies the Secrets Manager API there, so it is
// judged; and Config has no rotation dates, so the age rule is UNKNOWN for secrets that rotate.
const secretArn = (account: string, name: string) =>
  `${account} us-east-1 arn:aws:secretsmanager:us-east-1:${account}:secret:${name}`;
const VIA_CONFIG_SECRETS = [
  `FAIL secret-not-cmk-encrypted ${secretArn(PROD, "payments/partner-sftp-652417")}`,
  `FAIL secret-rotation-disabled ${secretArn(PROD, "payments/partner-sftp-652417")}`,
  `FAIL secret-not-cmk-encrypted ${secretArn(DEV, "analytics/warehouse-password-729df7")}`,
  `FAIL secret-rotation-disabled ${secretArn(DEV, "analytics/warehouse-password-729df7")}`,
  `UNKNOWN secret-not-rotated-recently ${secretArn("111111111111", "management/scim-token-98ac35")}`,
  `UNKNOWN secret-not-rotated-recently ${secretArn(PROD, "payments/ledger-db/master-476d78")}`,
  `UNKNOWN secret-not-rotated-recently ${secretArn(PROD, "payments/stripe-api-key-f82ac0")}`,
];
// The cross-resource aws-managed-key-in-use differs where Config does: snapshots are one gap for
// the whole aggregator, and the denied account's secret is judged.
const awsManagedDiffers = (f: string): boolean =>
  f.startsWith("UNKNOWN aws-managed-key-in-use ") ||
  (f.includes(" aws-managed-key-in-use ") && f.includes(" snap-"));
// Config records a listener's security policy by name only: without --enrich every HTTPS or TLS
// listener is UNKNOWN for the TLS-version rule (--enrich reads the policy's protocols).
const TLS_RULE = "elb-listener-tls-policy-outdated";
function viaConfigTlsListeners(): string[] {
  const w = demoWorld();
  const out: string[] = [];
  for (let i = 0; i < w.accounts.size; i++) {
    const a = w.accounts.at(i);
    for (const region of a.enabledRegions) {
      const listeners = a.region(region)?.listeners;
      for (let j = 0; j < (listeners?.size ?? 0); j++) {
        const l = listeners?.at(j);
        if (l && (l.Protocol === "HTTPS" || l.Protocol === "TLS"))
          out.push(`UNKNOWN ${TLS_RULE} ${a.Id} ${region} ${l.ListenerArn}`);
      }
    }
  }
  return out;
}
const VIA_CONFIG_EXPECTED = [
  ...DEMO_EXPECTED.filter(
    (f) =>
      !configGapRules.includes(f.split(" ")[1] ?? "") && !f.includes(" secret-") && !awsManagedDiffers(f),
  ),
  ...configGapRules.map((id) => `UNKNOWN ${id} * * *`),
  ...VIA_CONFIG_SECRETS,
  "UNKNOWN aws-managed-key-in-use * * *",
  `UNKNOWN aws-managed-key-in-use ${secretArn(DEV, "analytics/warehouse-password-729df7")}`,
  // Config does not record EBS snapshots: one could use the retired key unseen.
  `UNKNOWN kms-key-deletion-in-use ${PROD} eu-west-1 5b0e7d3c-2f4a-4c1e-9a6b-8d7e6f5a4b3c`,
].sort();

describe("--source config", () => {
  it("with --enrich finds what the API path finds; without it, facts Config lacks are UNKNOWN", async () => {
    const dir = tmp();
    const world = demoWorld();
    const common = ["--role-name", "dpscan-audit", "--external-id", "dpscan-demo", "--quiet", "--no-config"];
    await withSim(world, async (sim) => {
      const viaConfig = [
        "scan",
        "--source",
        "config",
        "--aggregator",
        "org-aggregator",
        "--regions",
        "us-east-1,eu-west-1",
        ...common,
        "--endpoint-url",
        sim.endpoint,
      ];
      const enriched = await runWithSimEnv(sim, ["--db", join(dir, "enriched.db"), ...viaConfig, "--enrich"]);
      expect(enriched.stderr).toBe("");
      expect(enriched.code).toBe(EXIT.ok);
      // Types Config does not record are gaps with their reason, not "regions not enabled".
      expect(enriched.stdout).not.toContain("regions not enabled");
      expect(enriched.stdout).toContain(
        "Not examined: 3 type(s) AWS Config does not record (AWS::CloudHSM::Cluster, AWS::EC2::EBSEncryptionByDefault, AWS::EC2::Snapshot).",
      );
      // Security policies are listed once per account and region that has a TLS listener.
      const regionsWithTls = new Set(viaConfigTlsListeners().map((f) => f.split(" ").slice(2, 4).join(" ")));
      const sslCalls = sim.counters.calls({
        service: "elasticloadbalancing",
        operation: "DescribeSSLPolicies",
      });
      expect(sslCalls).toBe(regionsWithTls.size);
      const plain = await runWithSimEnv(sim, ["--db", join(dir, "plain.db"), ...viaConfig]);
      expect(plain.code).toBe(EXIT.ok);
      expect(sim.counters.calls({ service: "elasticloadbalancing", operation: "DescribeSSLPolicies" })).toBe(
        sslCalls,
      );
    });
    expect(findingsOf(join(dir, "enriched.db"))).toEqual(VIA_CONFIG_EXPECTED);
    const plain = findingsOf(join(dir, "plain.db"));
    // Volumes, buckets, databases and key states are judged from Config alone, and so is the
    // cross-resource rule (key states and the resources' key IDs are Config facts); rules on key
    // policies, rotation and parameter values cannot be, and say so.
    const configAlone = (f: string) =>
      [
        "ebs-volume-unencrypted",
        "s3-bucket",
        "rds-cluster-",
        "rds-instance-unencrypted",
        "rds-snapshot-",
        "kms-key-pending-deletion",
        "kms-key-deletion-in-use",
        "elb-listener-http-no-redirect",
      ].some((r) => f.includes(` ${r}`));
    // ...except that a key nothing is known to use stays UNKNOWN (EBS snapshots are not recorded).
    const unseen = VIA_CONFIG_EXPECTED.filter(
      (f) => f.startsWith("UNKNOWN kms-key-deletion-in-use") && !DEMO_EXPECTED.includes(f),
    );
    expect(plain.filter(configAlone)).toEqual([...DEMO_EXPECTED.filter(configAlone), ...unseen].sort());
    const keyRules = plain.filter((f) => f.includes(" kms-key-") && !configAlone(f));
    expect(keyRules.length).toBeGreaterThan(0);
    expect(keyRules.every((f) => f.startsWith("UNKNOWN"))).toBe(true);
    // Config holds the names of the instances' parameter groups, not their values: every one of
    // the eight instances is UNKNOWN without --enrich.
    const tls = plain.filter((f) => f.includes(" rds-instance-tls-not-enforced "));
    expect(tls).toHaveLength(8);
    expect(tls.every((f) => f.startsWith("UNKNOWN"))).toBe(true);
    // Nor the protocols of the listeners' policies.
    expect(plain.filter((f) => f.includes(` ${TLS_RULE} `))).toEqual(viaConfigTlsListeners().sort());
  });
});

describe("crash recovery", () => {
  it("a scan left running by a crash (no chance to mark itself) is continued by --resume", async () => {
    const dir = tmp();
    const db = join(dir, "crash.db");
    await withSim(demoWorld(), async (sim) => {
      const r = await runWithSimEnv(sim, ["--db", db, ...ORG_ARGS, "--endpoint-url", sim.endpoint]);
      expect(r.code).toBe(EXIT.ok);
      // Make it look like the process died mid-way: still "running", some units and their resources lost.
      const s = new Store(db);
      const id = s.latestCompleteScan()?.id ?? 0;
      s.db
        .prepare("UPDATE scans SET status = 'running', finished_at = NULL, owner_pid = ? WHERE id = ?")
        .run(deadPid(), id);
      s.db.prepare("DELETE FROM finding_rows WHERE scan_id = ?").run(id);
      s.db.prepare("DELETE FROM scan_units WHERE scan_id = ? AND collector IN ('kms', 'ec2')").run(id);
      s.db
        .prepare(
          "DELETE FROM resources WHERE scan_id = ? AND resource_type IN ('AWS::KMS::Key', 'AWS::EC2::Volume')",
        )
        .run(id);
      expect(s.latestCompleteScan()).toBeUndefined();
      s.close();
      const s3Before = sim.counters.calls({ service: "s3" });
      const kmsBefore = sim.counters.calls({ service: "kms" });
      const resumed = await runWithSimEnv(sim, resumeArgs(db, sim.endpoint));
      expect(resumed.code).toBe(EXIT.ok);
      // Only the lost collectors ran again: KMS did, S3 (finished) did not.
      expect(sim.counters.calls({ service: "kms" })).toBeGreaterThan(kmsBefore);
      expect(sim.counters.calls({ service: "s3" })).toBe(s3Before);
    });
    expect(findingsOf(db)).toEqual(DEMO_EXPECTED);
  });
});
