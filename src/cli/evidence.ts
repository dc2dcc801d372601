// `dpscan evidence keygen` and `dpscan evidence verify`: the key pair that signs evidence packs,
// and the check an auditor runs on a pack they were given.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { ed25519PublicKey } from "../report/evidence/manifest.js";
import { verifyPack, type VerifyResult } from "../report/evidence/verify.js";
import { EXIT, UsageError } from "../util/errors.js";
import { oneOf, out } from "./context.js";

/** A key file is a few hundred bytes; anything much larger is not one. */
const MAX_KEY_BYTES = 64 * 1024;

export function registerEvidenceTools(evidence: Command): void {
  evidence
    .command("keygen")
    .description(
      "Make an Ed25519 key pair for signing evidence packs (PREFIX.pem private, PREFIX.pub public)",
    )
    .option("--out <prefix>", "path prefix of the two key files", "dpscan-evidence")
    .action((opts: { out: string }) => {
      const [priv, pub] = [`${opts.out}.pem`, `${opts.out}.pub`];
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
