// Preloaded into a measured process: report its peak resident set size and CPU time at exit.
process.on("exit", () => {
  const u = process.resourceUsage();
  process.stderr.write(
    `DPSCAN_BENCH_MAXRSS_KB ${u.maxRSS}\nDPSCAN_BENCH_CPU_US ${u.userCPUTime + u.systemCPUTime}\n`,
  );
});
