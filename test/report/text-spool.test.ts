// TextSpool keeps texts in a temporary file and gives them back in order, whole or by byte range.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TextSpool } from "../../src/report/text-spool.js";
import { useTmpDir } from "../helpers/tmp.js";

describe("TextSpool", () => {
  const dir = useTmpDir();

  it("gives back every text and tag in order, across its buffer's and read blocks' edges", () => {
    const spool = new TextSpool(join(dir(), "a.spool"));
    const texts: [string, number][] = [];
    // Texts of every size up to past the 1 MiB write buffer, with multi-byte characters.
    for (let i = 0; i < 3000; i++) {
      const unit = ["x", "é", "€", "𝄞", "\n"][i % 5] as string;
      const text = i % 997 === 0 ? unit.repeat(700_000) : `${i}:${unit.repeat(i % 300)}`;
      texts.push([text, i % 3]);
      spool.add(text, i % 3);
    }
    texts.push(["", 0]);
    spool.add("");
    expect([...spool.read()].map((r) => [r.text, r.tag])).toEqual(texts);
    // Read twice: reading does not consume.
    expect([...spool.read()]).toHaveLength(texts.length);
    spool.remove();
    expect(existsSync(join(dir(), "a.spool"))).toBe(false);
    spool.remove();
  });

  it("reads the byte ranges its offsets bounded, and goes on taking texts after a read", () => {
    const spool = new TextSpool(join(dir(), "b.spool"));
    try {
      const ranges: [number, number, string[]][] = [];
      for (let r = 0; r < 5; r++) {
        const from = spool.offset;
        const texts = Array.from({ length: 10 * r }, (_, i) => `range ${r} text ${i} ${"ü".repeat(i)}`);
        for (const t of texts) spool.add(t);
        ranges.push([from, spool.offset, texts]);
        // A read between adds sees what was added so far.
        expect([...spool.read(from, spool.offset)].map((x) => x.text)).toEqual(texts);
      }
      for (const [from, to, texts] of ranges.reverse())
        expect([...spool.read(from, to)].map((x) => x.text)).toEqual(texts);
    } finally {
      spool.remove();
    }
  });

  it("never overwrites a file that is there", () => {
    const path = join(dir(), "c.spool");
    const first = new TextSpool(path);
    try {
      expect(() => new TextSpool(path)).toThrow(/EEXIST/);
    } finally {
      first.remove();
    }
  });
});
