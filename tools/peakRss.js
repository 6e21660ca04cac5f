// Preloaded by the benchmark (`node -r`) into each process it measures: when the process exits,
// writes its peak resident set size in KiB to the file TACO_PEAK_RSS_FILE names.
"use strict";
process.on("exit", () => {
    require("fs").writeFileSync(process.env.TACO_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS));
});
