// Memory of a generated world: RSS and heap before and after building a 200 × 4 × 500 world and
// reading every resource of every collection. Generated worlds are lazy, so growth must stay flat.
//
//   npm run build   (or: npx tsc -p tsconfig.build.json)
//   node --expose-gc bench/world-memory.mjs [--accounts 200] [--regions 4] [--scale 500] [--seed 1] [--dist ../dist]
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const dist = resolve(import.meta.dirname, opt("dist", "../dist"));
const load = (module) => import(pathToFileURL(resolve(dist, module)).href);
const { generateWorld, countResources } = await load("sim/world/generate.js");
const { worldCollections } = await load("sim/world/collection.js");

const gc = globalThis.gc ?? (() => {});
const mb = (n) => (n / 1024 / 1024).toFixed(1);
const sample = () => {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
};

const options = {
  accounts: Number(opt("accounts", 200)),
  regions: Number(opt("regions", 4)),
  scale: Number(opt("scale", 500)),
  seed: Number(opt("seed", 1)),
};
if (!globalThis.gc) console.warn("warning: run with node --expose-gc for stable figures");

const before = sample();
const t0 = performance.now();
const world = generateWorld(options);
const total = countResources(world);
const built = sample();

let visited = 0;
let bytes = 0; // touch every resource so nothing is optimised away
let peakRss = built.rss;
for (const { collection } of worldCollections(world)) {
  for (let i = 0; i < collection.size; i++) {
    bytes += JSON.stringify(collection.at(i)).length;
    visited++;
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const seconds = (performance.now() - t0) / 1000;
const after = sample();

console.log(
  `world: ${options.accounts} accounts × ${options.regions} regions × scale ${options.scale}, seed ${options.seed}`,
);
console.log(`resources: ${total} (visited ${visited}, ${mb(bytes)} MB of JSON) in ${seconds.toFixed(1)} s`);
console.log(`before:    rss ${mb(before.rss)} MB, heap ${mb(before.heap)} MB`);
console.log(`built:     rss ${mb(built.rss)} MB, heap ${mb(built.heap)} MB`);
console.log(
  `iterated:  rss ${mb(after.rss)} MB, heap ${mb(after.heap)} MB (peak rss during iteration ${mb(peakRss)} MB)`,
);
console.log(
  `growth:    rss +${mb(after.rss - before.rss)} MB (peak +${mb(peakRss - before.rss)} MB), heap +${mb(after.heap - before.heap)} MB`,
);
if (visited !== total) {
  console.error(`visited ${visited} resources but countResources says ${total}`);
  process.exitCode = 1;
}
