import { createHash, generateKeyPairSync } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { dirWriter, zipWriter, type PackWriter } from "../../src/report/evidence/container.js";
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  manifestBytes,
  signManifest,
  SIGNATURE_FILE,
  type Manifest,
} from "../../src/report/evidence/manifest.js";
import { verifyPack } from "../../src/report/evidence/verify.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const keys = () => generateKeyPairSync("ed25519");

/** A small pack written through the real writers, optionally signed. */
function writePack(w: PackWriter, signWith?: ReturnType<typeof keys>["privateKey"]): void {
  const files = [
    w.add("reports/pci-dss-4.0.html", "<!doctype html><title>r</title>"),
    w.add("findings/findings.csv", ["ruleId,status\r\n", Buffer.from("ebs-volume-unencrypted,FAIL\r\n")]),
    w.add("scan.json", Buffer.from('{"id":1}\n')),
  ];
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    dpscanVersion: "0.0.0-test",
    scan: { id: 1, startedAt: "2026-11-01T00:00:00.000Z", finishedAt: null, status: "complete" },
    frameworks: ["pci-dss-4.0"],
    algorithm: "sha256",
    files,
  };
  const bytes = manifestBytes(manifest);
  w.add(MANIFEST_FILE, bytes);
  if (signWith) w.add(SIGNATURE_FILE, JSON.stringify(signManifest(bytes, signWith)));
  w.close();
}

describe("evidence pack manifest and verification", () => {
  it("a pack as written verifies, in a folder and in a zip, signed with a pinned key", () => {
    const k = keys();
    const dir = join(tmp(), "pack");
    writePack(dirWriter(dir), k.privateKey);
    const zip = join(tmp(), "pack.zip");
    writePack(zipWriter(zip), k.privateKey);
    for (const p of [dir, zip]) {
      const r = verifyPack(p, k.publicKey);
      expect(r).toMatchObject({ ok: true, files: 3, changed: [], added: [], removed: [] });
      expect(r.signature).toMatchObject({ state: "valid", pinned: true });
    }
  });

  it("names a changed byte, an added file and a removed file, each", () => {
    const dir = join(tmp(), "pack");
    writePack(dirWriter(dir));
    appendFileSync(join(dir, "scan.json"), " ");
    writeFileSync(join(dir, "extra.txt"), "not in the manifest");
    rmSync(join(dir, "findings", "findings.csv"));
    const r = verifyPack(dir);
    expect(r.ok).toBe(false);
    expect(r.changed).toEqual(["scan.json"]);
    expect(r.added).toEqual(["extra.txt"]);
    expect(r.removed).toEqual(["findings/findings.csv"]);
  });

  it("a changed file with a recomputed manifest passes the hashes but fails the pinned signature", () => {
    const signer = keys();
    const dir = join(tmp(), "pack");
    writePack(dirWriter(dir), signer.privateKey);
    // The attacker edits a report and rewrites the manifest with the new hash.
    const html = join(dir, "reports", "pci-dss-4.0.html");
    writeFileSync(html, "<!doctype html><title>all passed</title>");
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as Manifest;
    const fresh = verifyPack(dir);
    expect(fresh.changed).toEqual(["reports/pci-dss-4.0.html"]);
    const entry = m.files.find((f) => f.path === "reports/pci-dss-4.0.html");
    if (!entry) throw new Error("entry missing");
    const again = dirWriter(join(tmp(), "scratch"));
    const rehashed = again.add("x", readFileSync(html));
    entry.sha256 = rehashed.sha256;
    entry.bytes = rehashed.bytes;
    writeFileSync(join(dir, MANIFEST_FILE), manifestBytes(m));
    const r = verifyPack(dir, signer.publicKey);
    expect(r.changed).toEqual([]);
    expect(r.ok).toBe(false);
    expect(r.signature).toMatchObject({ state: "invalid" });

    // Re-signing with the attacker's own key does not help against a pinned key either.
    const attacker = keys();
    writeFileSync(
      join(dir, SIGNATURE_FILE),
      JSON.stringify(signManifest(manifestBytes(m), attacker.privateKey)),
    );
    const resigned = verifyPack(dir, signer.publicKey);
    expect(resigned.ok).toBe(false);
    expect(resigned.signature).toMatchObject({ state: "wrong-key" });
    // Without a pinned key the signature only proves some key signed it: said so, not trusted.
    expect(verifyPack(dir).signature).toMatchObject({ state: "valid", pinned: false });
  });

  it("a pinned key demands a signature", () => {
    const dir = join(tmp(), "pack");
    writePack(dirWriter(dir));
    expect(verifyPack(dir).ok).toBe(true);
    expect(verifyPack(dir, keys().publicKey)).toMatchObject({ ok: false, signature: { state: "unsigned" } });
  });

  it("the same content gives the same zip bytes", () => {
    const a = join(tmp(), "a.zip");
    const b = join(tmp(), "b.zip");
    writePack(zipWriter(a));
    writePack(zipWriter(b));
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it("a zip holds every file's bytes: empty, one chunk, many chunks, a line at a time", () => {
    // Several MiB of text that compresses unevenly (each chunk is its own deflate segment).
    const big = Array.from(
      { length: 60_000 },
      (_, i) => `{"n":${i},"h":"${(i * 2654435761) % 4294967296}"}\n`,
    );
    const contents: [string, string | Buffer | string[]][] = [
      ["empty.txt", ""],
      ["small.txt", "ünïcode ✓\n"],
      ["lines.jsonl", big],
      ["whole.bin", Buffer.concat([Buffer.from(big.join("")), Buffer.alloc(3 << 20, 7)])],
    ];
    const zip = join(tmp(), "z.zip");
    const w = zipWriter(zip);
    const entries = contents.map(([path, c]) => w.add(path, c));
    w.close();
    const files = unzipSync(readFileSync(zip));
    for (const [[path, c], entry] of contents.map((x, i) => [x, entries[i]] as const)) {
      const want = Buffer.isBuffer(c) ? c : Buffer.from(typeof c === "string" ? c : c.join(""));
      expect(Buffer.from(files[path] ?? []).equals(want), path).toBe(true);
      expect(entry?.bytes, path).toBe(want.length);
    }
    expect(readFileSync(zip).length).toBeLessThan(((files["whole.bin"]?.length ?? 0) * 2) / 3);
  });

  it("takes a finished file whole: a folder moves it in, a zip copies it; either way it is gone", () => {
    const dir = tmp();
    const text = "x".repeat(3 << 20) + "end\n";
    const sha = createHash("sha256").update(text).digest("hex");
    const made = (name: string): string => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const folder = dirWriter(join(dir, "pack"));
    expect(folder.movesFiles).toBe(true);
    const moved = made("a.json");
    expect(folder.addFile("reports/a.json", moved)).toEqual({
      path: "reports/a.json",
      sha256: sha,
      bytes: text.length,
    });
    expect(existsSync(moved)).toBe(false);
    expect(readFileSync(join(dir, "pack", "reports", "a.json"), "utf8")).toBe(text);
    // Never over a file already in the pack.
    const again = made("b.json");
    expect(() => folder.addFile("reports/a.json", again)).toThrow(/exists/);
    expect(() => folder.addFile("../b.json", again)).toThrow(/invalid path/);
    const zip = zipWriter(join(dir, "pack.zip"));
    expect(zip.movesFiles).toBe(false);
    expect(zip.addFile("reports/b.json", again)).toEqual({
      path: "reports/b.json",
      sha256: sha,
      bytes: text.length,
    });
    zip.close();
    expect(existsSync(again)).toBe(false);
    expect(
      Buffer.from(unzipSync(readFileSync(join(dir, "pack.zip")))["reports/b.json"] ?? []).toString(),
    ).toBe(text);
  });

  it("refuses what is not a pack, and unsafe paths", () => {
    const dir = join(tmp(), "empty");
    mkdirSync(dir);
    expect(() => verifyPack(dir)).toThrow(/no manifest.json/);
    const junk = join(tmp(), "junk.zip");
    writeFileSync(junk, "not a zip at all");
    expect(() => verifyPack(junk)).toThrow(/junk.zip/);
    expect(() => dirWriter(join(tmp(), "p")).add("../escape", "x")).toThrow(/invalid path/);
  });
});
