// Generated docs are never stale: UPDATE_DOCS=1 (npm run docs) rewrites them instead of failing.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedBlocks, withBlock, writeBlocks } from "../helpers/docs.js";

describe("generated documentation", () => {
  const blocks = generatedBlocks();
  if (process.env.UPDATE_DOCS === "1") writeBlocks(blocks);

  it("covers every collector doc and the README", () => {
    expect(blocks.map((b) => b.file)).toContain("README.md");
    expect(blocks.filter((b) => b.file.startsWith("docs/collectors/")).length).toBeGreaterThanOrEqual(8);
  });

  for (const block of blocks) {
    it(`${block.file} (${block.name}) is what the registries say; run npm run docs`, () => {
      const text = readFileSync(block.file, "utf8");
      expect(withBlock(text, block)).toBe(text);
    });
  }
});
