// Preloaded into the measured dpscan process: report its peak resident set size at exit.
process.on("exit", () => {
  process.stderr.write(`DPSCAN_BENCH_MAXRSS_KB ${process.resourceUsage().maxRSS}\n`);
});
