import { describe, expect, it } from "vitest";
import { Lru } from "../../src/util/lru.js";

describe("Lru", () => {
  it("evicts the least recently used entry, and says so", () => {
    const evicted: string[] = [];
    const lru = new Lru<string, number>(2, (_v, k) => evicted.push(k));
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1); // a is now the most recent
    lru.set("c", 3);
    expect(evicted).toEqual(["b"]);
    expect(lru.get("b")).toBeUndefined();
    expect([...lru.values()]).toEqual([1, 3]);
  });

  it("getOrSet makes a value once while it stays cached", () => {
    const lru = new Lru<string, number>(1);
    let made = 0;
    const make = (): number => ++made;
    expect(lru.getOrSet("k", make)).toBe(1);
    expect(lru.getOrSet("k", make)).toBe(1);
    lru.set("other", 9);
    expect(lru.getOrSet("k", make)).toBe(2);
    expect(lru.size).toBe(1);
  });

  it("replacing a key does not evict another", () => {
    const evicted: string[] = [];
    const lru = new Lru<string, number>(2, (_v, k) => evicted.push(k));
    lru.set("a", 1);
    lru.set("b", 2);
    lru.set("a", 3);
    expect(evicted).toEqual([]);
    expect(lru.get("a")).toBe(3);
  });
});
