// `dpscan evidence verify`: re-hash every file of a pack and compare with its manifest, then check
// the manifest's signature. Every changed, added and removed file is named, not just the first.
import type { KeyObject } from "node:crypto";
import { readPack } from "./container.js";
import {
  checkSignature,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  SIGNATURE_FILE,
  type Manifest,
  type SignatureCheck,
} from "./manifest.js";

export interface VerifyResult {
  ok: boolean;
  files: number;
  changed: string[];
  added: string[];
  removed: string[];
  anomalies: string[];
  signature: SignatureCheck | { state: "unsigned" };
  manifest?: Manifest;
}

export function verifyPack(path: string, publicKey?: KeyObject): VerifyResult {
  const pack = readPack(path, [MANIFEST_FILE, SIGNATURE_FILE]);
  const manifestFile = pack.files.get(MANIFEST_FILE);
  if (!manifestFile?.text) throw new Error(`${path}: no ${MANIFEST_FILE}: not a dpscan evidence pack`);
  const manifest = parseManifest(manifestFile.text, path);
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [p, entry] of listed) {
    const actual = pack.files.get(p);
    if (!actual) removed.push(p);
    else if (actual.sha256 !== entry.sha256 || actual.bytes !== entry.bytes) changed.push(p);
  }
  const added = [...pack.files.keys()].filter(
    (p) => !listed.has(p) && p !== MANIFEST_FILE && p !== SIGNATURE_FILE,
  );
  const sigText = pack.files.get(SIGNATURE_FILE)?.text;
  const signature: VerifyResult["signature"] = sigText
    ? checkSignature(manifestFile.text, sigText.toString("utf8"), publicKey)
    : { state: "unsigned" };
  // A pinned key demands a signature; without one, an unsigned pack can still pass its hashes.
  const signatureOk = signature.state === "valid" || (signature.state === "unsigned" && !publicKey);
  return {
    ok:
      changed.length === 0 &&
      added.length === 0 &&
      removed.length === 0 &&
      pack.anomalies.length === 0 &&
      signatureOk,
    files: listed.size,
    changed: changed.sort(),
    added: added.sort(),
    removed: removed.sort(),
    anomalies: pack.anomalies,
    signature,
    manifest,
  };
}

function parseManifest(bytes: Buffer, where: string): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new Error(`${where}: ${MANIFEST_FILE} is not valid JSON (${(err as Error).message})`);
  }
  const m = doc as Partial<Manifest>;
  const filesOk =
    Array.isArray(m.files) &&
    m.files.every(
      (f: unknown) =>
        typeof (f as ManifestEntryLike).path === "string" &&
        typeof (f as ManifestEntryLike).sha256 === "string" &&
        typeof (f as ManifestEntryLike).bytes === "number",
    );
  if (m.format !== MANIFEST_FORMAT || !filesOk)
    throw new Error(`${where}: ${MANIFEST_FILE} is not a ${MANIFEST_FORMAT} manifest`);
  return m as Manifest;
}

interface ManifestEntryLike {
  path?: unknown;
  sha256?: unknown;
  bytes?: unknown;
}
