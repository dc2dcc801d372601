// Preloaded into a measured dpscan process: its peak RSS and CPU time at exit, on stderr.
process.on("exit", () => {
  const u = process.resourceUsage();
  process.stderr.write(
    `DPSCAN_BENCH_MAXRSS_KB ${u.maxRSS}\nDPSCAN_BENCH_CPU_US ${u.userCPUTime + u.systemCPUTime}\n`,
  );
});
