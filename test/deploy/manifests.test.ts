// The deployment files agree with dpscan itself, without building an image or running a cluster:
// the Kubernetes manifests parse, their probes are routes the service answers, the commands of
// the image, the manifests and the systemd units are dpscan commands with flags the real command
// line accepts (parsed by its commander program), and every path dpscan writes is on a volume.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { readSettings } from "../../src/cli/scan-options.js";
import { serviceSettings } from "../../src/cli/serve.js";
import { TOKEN_ENV, TokenSet } from "../../src/serve/auth.js";
import { SERVE_DEFAULTS } from "../../src/serve/config.js";
import { startService, STOP_DEADLINE_MS, type RunningService } from "../../src/serve/service.js";
import { VERSION } from "../../src/version.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

interface Parsed {
  command: string;
  globals: Record<string, unknown>;
  options: Record<string, unknown>;
}

/** Parse a dpscan command line with the real program; the command's action is replaced, not run. */
async function parseCli(args: readonly string[]): Promise<Parsed> {
  const program = buildProgram();
  const quiet = { writeErr: () => undefined }; // a refusal is the test's to report, as an error
  program.configureOutput(quiet);
  let parsed: Parsed | undefined;
  // After the program's own hook has loaded the command's module (its options and action).
  program.hook("preSubcommand", (_program, sub) => {
    sub.configureOutput(quiet);
    sub.action(() => {
      parsed = { command: sub.name(), globals: program.opts(), options: sub.opts() };
    });
  });
  await program.parseAsync([...args], { from: "user" });
  if (!parsed) throw new Error(`no dpscan command in: ${args.join(" ")}`);
  return parsed;
}

// ---- the files, read loosely: the checks below say what each must hold
/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are read as parsed YAML */
type K8s = Record<string, any>;
const K8S_FILES = ["base.yaml", "serve.yaml", "scan-cronjob.yaml"];
const manifests: K8s[] = K8S_FILES.flatMap((f) =>
  parseAllDocuments(readFileSync(join("deploy/kubernetes", f), "utf8")).map((d) => {
    if (d.errors.length > 0) throw new Error(`deploy/kubernetes/${f}: ${d.errors[0]?.message}`);
    return d.toJS() as K8s;
  }),
);
const object = (kind: string, name: string): K8s => {
  const o = manifests.find((m) => m.kind === kind && m.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return o;
};
const deployment = object("Deployment", "dpscan-serve");
const cronJob = object("CronJob", "dpscan-scan");
const servePod: K8s = deployment.spec.template.spec;
const scanPod: K8s = cronJob.spec.jobTemplate.spec.template.spec;
/* eslint-enable @typescript-eslint/no-explicit-any */

interface Instruction {
  op: string;
  args: string;
}
/** The Dockerfile's instructions (continuation lines joined, comments dropped), by stage. */
function dockerStages(): Instruction[][] {
  const text = readFileSync("Dockerfile", "utf8").replace(/\\\n/g, " ");
  const stages: Instruction[][] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    const ins = { op: m[1] as string, args: (m[2] as string).trim() };
    if (ins.op === "FROM") stages.push([]);
    stages.at(-1)?.push(ins);
  }
  return stages;
}
const stages = dockerStages();
const image = stages.at(-1) ?? [];
const imageArg = (op: string): string[] => image.filter((i) => i.op === op).map((i) => i.args);
const imageUid = Number(/^(\d+)/.exec(imageArg("USER").at(-1) ?? "")?.[1]);

/** `ExecStart=/usr/bin/env dpscan ARGS` of a unit file, and its other keys. */
function unit(name: string): { exec: string[]; keys: Map<string, string> } {
  const text = readFileSync(join("deploy/systemd", name), "utf8");
  const keys = new Map<string, string>();
  for (const m of text.matchAll(/^([A-Za-z]+)=(.*)$/gm)) keys.set(m[1] as string, m[2] as string);
  const exec = /^\/usr\/bin\/env dpscan (.*)$/.exec(keys.get("ExecStart") ?? "")?.[1];
  return { exec: exec ? exec.split(/\s+/) : [], keys };
}

const underAny = (path: string, dirs: readonly string[]): boolean =>
  dirs.some((d) => path === d || path.startsWith(`${d.replace(/\/$/, "")}/`));

describe("the command line parser these checks use", () => {
  it("accepts a real command line and refuses an unknown flag or command", async () => {
    expect((await parseCli(["--db", "x.db", "serve", "--port", "1"])).options.port).toBe("1");
    await expect(parseCli(["serve", "--no-such-flag"])).rejects.toThrow();
    await expect(parseCli(["--db", "x.db", "sreve"])).rejects.toThrow();
  });
});

describe("Dockerfile", () => {
  it("builds on Node 20 slim in every stage, installs production modules only, runs as non-root", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s[0]?.args).toMatch(/^node:20-slim(\s+AS\s+\S+)?$/);
    const runs = stages.flat().filter((i) => i.op === "RUN");
    expect(runs.some((r) => /npm ci --omit=dev/.test(r.args))).toBe(true);
    expect(runs.some((r) => /npm run build/.test(r.args))).toBe(true);
    expect(imageUid).toBeGreaterThan(0);
    // The image is the npm package: every entry of package.json "files" is copied in.
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { files: string[] };
    const copied = imageArg("COPY").map((a) => a.split(/\s+/).filter((w) => !w.startsWith("--"))[0] ?? "");
    for (const f of pkg.files) expect(copied.some((c) => c === f || c.endsWith(`/${f}`)), f).toBe(true);
  });

  it("starts dpscan from where it copied it, and its default command is serve on the volume", async () => {
    const app = imageArg("WORKDIR")[0] ?? "";
    // dpscan on PATH is the launcher the image copied (the entrypoint, and other manifests' command).
    expect(imageArg("RUN")).toContain(`ln -s ${app}/bin/dpscan.js /usr/local/bin/dpscan`);
    expect(JSON.parse(imageArg("ENTRYPOINT")[0] ?? "[]")).toEqual(["dpscan"]);
    const cmd = await parseCli(JSON.parse(imageArg("CMD")[0] ?? "[]") as string[]);
    expect(cmd.command).toBe("serve");
    const volumes = imageArg("VOLUME").flatMap((v) => JSON.parse(v) as string[]);
    expect(underAny(String(cmd.globals.db), volumes)).toBe(true);
    // The rule-example cache (~/.cache) is written too: HOME is on the volume.
    expect(underAny(imageArg("ENV").find((e) => e.startsWith("HOME="))?.slice(5) ?? "", volumes)).toBe(true);
    expect(imageArg("EXPOSE")).toContain(String(cmd.options.port));
    expect(cmd.options.host).toBe("0.0.0.0");
  });

  it("has a .dockerignore that keeps databases, settings and keys out of the build context", () => {
    const ignored = readFileSync(".dockerignore", "utf8").split("\n");
    for (const p of ["node_modules", "dist", ".git", "*.db", "dpscan.config.yaml", "*.pem"])
      expect(ignored, p).toContain(p);
  });
});

describe("deploy/kubernetes", () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService({
      dbPath: join(tmp(), "probe.db"),
      settings: {
        host: SERVE_DEFAULTS.host,
        port: 0,
        ratePerMinute: SERVE_DEFAULTS.ratePerMinute,
        trendScans: SERVE_DEFAULTS.trendScans,
        corsOrigins: [],
        schedules: [],
        webhooks: [],
      },
      rules: [],
      tokens: TokenSet.empty(),
      log: () => undefined,
    });
  });
  afterAll(() => service.stop());

  it("parses: every document a named Kubernetes object", () => {
    expect(manifests.length).toBeGreaterThanOrEqual(5);
    for (const m of manifests) {
      expect(typeof m.apiVersion).toBe("string");
      expect(typeof m.kind).toBe("string");
      expect(m.metadata?.name).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it("probes routes the service answers, on the port it listens on", async () => {
    const [c] = servePod.containers;
    const args = await parseCli(c.args);
    expect(args.command).toBe("serve");
    const port = c.ports.find((p: { name: string }) => p.name === c.livenessProbe.httpGet.port);
    expect(String(port?.containerPort)).toBe(args.options.port);
    expect(c.readinessProbe.httpGet.port).toBe(port?.name);
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      const r = await fetch(`${service.url}${probe.httpGet.path}`);
      expect(r.status, probe.httpGet.path).toBe(200);
    }
    expect([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual(["/healthz", "/readyz"]);
    const svc = object("Service", "dpscan");
    expect(svc.spec.ports[0].targetPort).toBe(port?.name);
    expect(svc.spec.selector).toEqual(deployment.spec.template.metadata.labels);
  });

  it("names the image of this version everywhere it is named", () => {
    const deployFiles = readdirSync("deploy", { recursive: true, encoding: "utf8" }).map((f) => `deploy/${f}`);
    for (const file of ["Dockerfile", "docs/deploy.md", ...deployFiles.filter((f) => statSync(f).isFile())])
      for (const m of readFileSync(file, "utf8").matchAll(/\bdpscan:(\d+\.\d+\.\d+(?:-[\w.]+)?)/g))
        expect(m[1], file).toBe(VERSION);
  });

  it("runs one replica of the image this version builds, stopped within its grace period", () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe("Recreate");
    for (const pod of [servePod, scanPod]) {
      expect(pod.containers[0].image).toBe(`dpscan:${VERSION}`);
      expect(pod.containers[0].command).toBeUndefined(); // the image's ENTRYPOINT: dpscan
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(STOP_DEADLINE_MS);
    }
  });

  it("takes the API tokens from a Secret, in the variables dpscan reads", () => {
    const env: { name: string; valueFrom?: { secretKeyRef?: { name: string; optional?: boolean } } }[] =
      servePod.containers[0].env;
    for (const name of Object.values(TOKEN_ENV)) {
      const ref = env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
      expect(ref?.name, name).toBe("dpscan-tokens");
      expect(ref?.optional, name).toBeUndefined();
    }
  });

  it("is non-root with a read-only root filesystem, and writes only to its volumes", async () => {
    const pvc = object("PersistentVolumeClaim", "dpscan-data");
    const config = object("ConfigMap", "dpscan-config");
    for (const pod of [servePod, scanPod]) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: imageUid });
      const [c] = pod.containers;
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      const volume = (mountPath: string): K8sVolume => {
        const mount = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === mountPath);
        return pod.volumes.find((v: { name: string }) => v.name === mount?.name) ?? {};
      };
      const args = await parseCli(c.args);
      const db = String(args.globals.db);
      expect(volume(dirname(db)).persistentVolumeClaim?.claimName).toBe(pvc.metadata.name);
      const settingsFile = String(args.globals.config);
      expect(volume(dirname(settingsFile)).configMap?.name).toBe(config.metadata.name);
      expect(Object.keys(config.data)).toContain(settingsFile.split("/").at(-1));
      // A schedule's reports go to the data volume too.
      const file = join(tmp(), "dpscan.config.yaml");
      writeFileSync(file, config.data["dpscan.config.yaml"]);
      const settings = serviceSettings({}, readSettings(file), {});
      for (const s of settings.schedules)
        if (s.after.reportsDir) expect(underAny(s.after.reportsDir, [dirname(db)])).toBe(true);
    }
  });

  it("offers a CronJob that runs the scan alone, never two at once", async () => {
    expect(cronJob.spec.concurrencyPolicy).toBe("Forbid");
    expect((await parseCli(scanPod.containers[0].args)).command).toBe("scan");
  });
});

interface K8sVolume {
  persistentVolumeClaim?: { claimName: string };
  configMap?: { name: string };
}

describe("deploy/systemd", () => {
  it("runs dpscan serve, and stops it within the unit's timeout", async () => {
    const u = unit("dpscan-serve.service");
    const args = await parseCli(u.exec);
    expect(args.command).toBe("serve");
    expect(Number(u.keys.get("TimeoutStopSec")) * 1000).toBeGreaterThan(STOP_DEADLINE_MS);
    expect(underAny(String(args.globals.db), (u.keys.get("ReadWritePaths") ?? "").split(/\s+/))).toBe(true);
  });

  it("runs dpscan scan once from a nightly timer, for those without the service", async () => {
    const u = unit("dpscan-scan.service");
    expect(u.keys.get("Type")).toBe("oneshot");
    const args = await parseCli(u.exec);
    expect(args.command).toBe("scan");
    expect(underAny(String(args.globals.db), (u.keys.get("ReadWritePaths") ?? "").split(/\s+/))).toBe(true);
    const timer = unit("dpscan-scan.timer");
    expect(timer.keys.get("OnCalendar")).toBeTruthy();
    const target = timer.keys.get("Unit") ?? "";
    expect(target).toBe("dpscan-scan.service");
    expect(existsSync(join("deploy/systemd", target))).toBe(true);
  });
});
