// Preloaded by the benchmark (`node -r`) into each process it measures: when the process exits,
// writes its peak resident set size (KiB) and the CPU time it used (user + system, ms, all threads)
// as JSON to the file TACO_BENCH_PROBE_FILE names.
"use strict";
process.on("exit", () => {
    const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
    require("fs").writeFileSync(process.env.TACO_BENCH_PROBE_FILE, JSON.stringify({ maxRSS, cpuMs: (userCPUTime + systemCPUTime) / 1000 }));
});
