// `dpscan evidence keygen` and `dpscan evidence verify`: the key pair that signs evidence packs,
// and the check an auditor runs on a pack they were given.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { checkOutputDir, dirWriter, zipWriter } from "../report/evidence/container.js";
import { ed25519PrivateKey, ed25519PublicKey } from "../report/evidence/manifest.js";
import { writeEvidencePack } from "../report/evidence/pack.js";
import { verifyPack, type VerifyResult } from "../report/evidence/verify.js";
import { chromiumExecutable, PdfPrinter } from "../report/pdf.js";
import { Store } from "../store/store.js";
import { EXIT, UsageError } from "../util/errors.js";
import { stopOnSignal } from "./signals.js";
import { oneOf, out } from "./context.js";
import { addReportInputFlags, resolveReportInputs, type ReportInputFlags } from "./report.js";
import { findingsContext } from "./findings-output.js";
import { selectScan } from "./scan-select.js";

interface PackFlags extends ReportInputFlags {
  out?: string;
  sign?: string;
  pdf: boolean;
}

export function define(cmd: Command): void {
  const evidence = addReportInputFlags(
    cmd
      .option("-o, --out <dir|file.zip>", "a new or empty folder, or a .zip file to create (required)")
      .option("--sign <key.pem>", "sign the manifest with this Ed25519 private key (dpscan evidence keygen)")
      .option("--no-pdf", "leave out the PDF reports (no Chromium needed)"),
  ).action(async (flags: PackFlags, cmd: Command) => {
    const target = flags.out;
    if (!target) throw new UsageError("evidence: --out DIR or --out FILE.zip is required");
    const signWith = flags.sign ? readPrivateKey(flags.sign) : undefined;
    if (flags.pdf) chromiumExecutable(); // fail before any work when Chromium is missing
    const inputs = resolveReportInputs(flags, cmd);
    const zip = target.endsWith(".zip");
    if (zip && existsSync(target)) throw new UsageError(`${target} exists; give a new file name`);
    if (!zip) {
      try {
        checkOutputDir(target);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const store = new Store(inputs.db);
    const printer = flags.pdf ? new PdfPrinter() : undefined;
    const writer = zip ? zipWriter(target) : dirWriter(target);
    // A first SIGINT/SIGTERM stops the pack between files (what was written is removed, exit 130);
    // a second exits at once.
    const stop = stopOnSignal();
    try {
      const scan = selectScan(store, flags.scan, cmd, { complete: "evidence packs are made" });
      const summary = await writeEvidencePack({
        store,
        scanId: scan.id,
        frameworks: inputs.frameworks,
        rules: inputs.rules,
        scopeFor: inputs.scopeFor,
        waived: findingsContext(store, scan, inputs.waivers).waived,
        writer,
        // Beside the pack: its reports may be large, and the OS's temporary folder small.
        scratchDir: dirname(resolve(target)),
        signal: stop.signal,
        ...(printer ? { printer } : {}),
        ...(signWith ? { signWith } : {}),
      });
      out(
        `Evidence pack ${target}: scan ${scan.id}, ${inputs.frameworks.map((f) => f.id).join(", ")}; ` +
          `${summary.files.length + 1 + (summary.signed ? 1 : 0)} files, ${summary.findings} findings, ` +
          `${summary.records} resource records${summary.signed ? ", signed" : " (unsigned: pass --sign KEY.pem)"}.`,
      );
      const pub = flags.sign?.replace(/\.pem$/, ".pub");
      const key = summary.signed ? ` --public-key ${pub && existsSync(pub) ? pub : "KEY.pub"}` : "";
      out(`Check it: dpscan evidence verify ${target}${key}`);
    } catch (err) {
      // Never leave half a pack behind that could pass for a whole one.
      rmSync(target, { recursive: true, force: true });
      if (!stop.signal.aborted) throw err;
      process.stderr.write(
        `dpscan: evidence: ${(stop.signal.reason as Error).message}: stopped; no pack was left behind\n`,
      );
      process.exitCode = EXIT.interrupted;
    } finally {
      stop.release();
      await printer?.close();
      store.close();
    }
  });
  registerEvidenceTools(evidence);
}

function readPrivateKey(file: string): KeyObject {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const text = readFileSync(file);
  if (text.length > MAX_KEY_BYTES) throw new UsageError(`${file}: too large to be a key`);
  try {
    return ed25519PrivateKey(text.toString("utf8"), file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A key file is a few hundred bytes; anything much larger is not one. */
const MAX_KEY_BYTES = 64 * 1024;

export function registerEvidenceTools(evidence: Command): void {
  evidence
    .command("keygen")
    .description(
      "Make an Ed25519 key pair for signing evidence packs (--prefix P: P.pem private, P.pub public)",
    )
    .option("--prefix <path>", "path prefix of the two key files", "dpscan-evidence")
    .action((opts: { prefix: string }) => {
      const [priv, pub] = [`${opts.prefix}.pem`, `${opts.prefix}.pub`];
      for (const f of [priv, pub])
        if (existsSync(f)) throw new UsageError(`${f} exists; refusing to overwrite a key`);
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      writeFileSync(priv, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
      writeFileSync(pub, publicKey.export({ type: "spki", format: "pem" }), { flag: "wx" });
      out(
        `Wrote ${priv} (private: keep it secret, sign with --sign ${priv}) and ${pub} (give it to the auditor).`,
      );
    });
  evidence
    .command("verify <path>")
    .description("Re-check every hash of an evidence pack (folder or .zip) and its signature")
    .option("--public-key <file>", "the signer's public key (PEM): the signature must be by this key")
    .option("-f, --format <format>", "text or json", "text")
    .action((path: string, opts: { publicKey?: string; format: string }) => {
      const format = oneOf("--format", opts.format, ["text", "json"] as const);
      if (!existsSync(path)) throw new UsageError(`${path}: no such file or folder`);
      const key = opts.publicKey ? readPublicKey(opts.publicKey) : undefined;
      let result: VerifyResult;
      try {
        result = verifyPack(path, key);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      if (format === "json") {
        const { manifest: _m, ...rest } = result;
        out(JSON.stringify({ path, ...rest }, null, 2));
      } else out(verifyText(path, result));
      process.exitCode = result.ok ? EXIT.ok : EXIT.tampered;
    });
}

export function readPublicKey(file: string): KeyObject {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const text = readFileSync(file);
  if (text.length > MAX_KEY_BYTES) throw new UsageError(`${file}: too large to be a key`);
  try {
    return ed25519PublicKey(text.toString("utf8"), file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function verifyText(path: string, r: VerifyResult): string {
  const m = r.manifest;
  const lines = [
    `Evidence pack ${path}: ${r.files} file(s) in the manifest` +
      (m
        ? `; scan ${m.scan.id} (${m.scan.startedAt}), frameworks ${m.frameworks.join(", ") || "(none)"}`
        : ""),
  ];
  for (const p of r.changed) lines.push(`  changed  ${p}`);
  for (const p of r.added) lines.push(`  added    ${p}`);
  for (const p of r.removed) lines.push(`  removed  ${p}`);
  for (const a of r.anomalies) lines.push(`  invalid  ${a}`);
  const s = r.signature;
  if (s.state === "unsigned")
    lines.push(`Signature: none${r.ok ? "" : " (a --public-key was given: the pack must be signed)"}`);
  else if (s.state === "valid")
    lines.push(
      s.pinned
        ? `Signature: valid, by the given key ${s.fingerprint}`
        : `Signature: valid for the key the pack carries (${s.fingerprint}), which is NOT checked: pass --public-key with the signer's key to trust it`,
    );
  else lines.push(`Signature: ${s.state}: ${s.reason}`);
  const problems = r.changed.length + r.added.length + r.removed.length + r.anomalies.length;
  lines.push(
    r.ok
      ? "OK: every file matches the manifest."
      : `FAILED: ${problems} file problem(s)${s.state === "valid" || s.state === "unsigned" ? "" : ", and the signature"}.`,
  );
  return lines.join("\n");
}
