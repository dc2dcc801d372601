// The evidence pack's manifest: the SHA-256 of every file, optionally signed with Ed25519 so that
// someone who can recompute hashes still cannot change a file unnoticed by a verifier who pins
// the public key. Only node:crypto; nothing here knows what the files mean.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

export const MANIFEST_FILE = "manifest.json";
export const SIGNATURE_FILE = "manifest.sig";
export const MANIFEST_FORMAT = "dpscan-evidence/1";

export interface ManifestEntry {
  path: string;
  sha256: string;
  bytes: number;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  dpscanVersion: string;
  scan: { id: number; startedAt: string; finishedAt: string | null; status: string };
  frameworks: string[];
  algorithm: "sha256";
  files: ManifestEntry[];
}

export interface SignatureDoc {
  algorithm: "Ed25519";
  /** sha256 of the public key's SPKI DER, hex: what a verifier pins. */
  publicKeyFingerprint: string;
  publicKey: string;
  /** Base64 Ed25519 signature of manifest.json's exact bytes. */
  signature: string;
}

/** The manifest's bytes: stable key order and path order, so the same pack gives the same bytes. */
export function manifestBytes(m: Manifest): Buffer {
  const files = [...m.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return Buffer.from(`${JSON.stringify({ ...m, files }, null, 2)}\n`, "utf8");
}

export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function fingerprint(key: KeyObject): string {
  return `sha256:${sha256Hex(key.export({ type: "spki", format: "der" }))}`;
}

/** Read a PEM private key and check it is Ed25519 (a clear error otherwise). */
export function ed25519PrivateKey(pem: string, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${where}: not a PEM private key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new Error(
      `${where}: an ${key.asymmetricKeyType ?? "unknown"} key; evidence packs are signed with Ed25519`,
    );
  return key;
}

export function ed25519PublicKey(pem: string, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`${where}: not a PEM public key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new Error(
      `${where}: an ${key.asymmetricKeyType ?? "unknown"} key; evidence packs are signed with Ed25519`,
    );
  return key;
}

export function signManifest(manifest: Buffer, privateKey: KeyObject): SignatureDoc {
  const publicKey = createPublicKey(privateKey);
  return {
    algorithm: "Ed25519",
    publicKeyFingerprint: fingerprint(publicKey),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
    signature: sign(null, manifest, privateKey).toString("base64"),
  };
}

export type SignatureCheck =
  | { state: "valid"; fingerprint: string; pinned: boolean }
  | { state: "invalid" | "wrong-key" | "malformed"; reason: string };

/**
 * Check the signature of manifest.json's bytes. With a pinned key the signer must be that key;
 * without one the embedded key is used, which proves only that the files match *some* signer.
 */
export function checkSignature(manifest: Buffer, sigText: string, pinned?: KeyObject): SignatureCheck {
  let doc: Partial<SignatureDoc>;
  try {
    doc = JSON.parse(sigText) as Partial<SignatureDoc>;
  } catch {
    return { state: "malformed", reason: `${SIGNATURE_FILE} is not JSON` };
  }
  if (doc.algorithm !== "Ed25519" || typeof doc.signature !== "string" || typeof doc.publicKey !== "string")
    return {
      state: "malformed",
      reason: `${SIGNATURE_FILE} lacks algorithm Ed25519, publicKey or signature`,
    };
  let key: KeyObject;
  try {
    key = pinned ?? ed25519PublicKey(doc.publicKey, SIGNATURE_FILE);
  } catch (err) {
    return { state: "malformed", reason: (err as Error).message };
  }
  const fp = fingerprint(key);
  if (pinned && doc.publicKeyFingerprint !== fp)
    return {
      state: "wrong-key",
      reason: `signed by ${String(doc.publicKeyFingerprint)}, not by the given public key ${fp}`,
    };
  const ok = verify(null, manifest, key, Buffer.from(doc.signature, "base64"));
  return ok
    ? { state: "valid", fingerprint: fp, pinned: Boolean(pinned) }
    : {
        state: "invalid",
        reason: `the signature does not match ${MANIFEST_FILE} (it was changed after signing)`,
      };
}
