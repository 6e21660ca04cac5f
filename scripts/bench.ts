// Benchmark: how long one run of the program takes under the mock runtime (what `npm run plan`,
// every test and, roughly, the program part of `pulumi preview` pay), and how much memory it holds.
//   npm run bench [-- <runs per stack>]
import { performance } from "perf_hooks";
import { runStack } from "../tools/mockRuntime";
import { readStackConfig } from "../tools/stackConfig";

const STACKS = ["dev", "staging", "prod"];

async function main(runs: number): Promise<void> {
    if (!global.gc) console.log("(run with node --expose-gc, as `npm run bench` does, for steady heap figures)");
    console.log(`node ${process.version}, ${runs} runs per stack after 1 warm-up run\n`);
    console.log("stack     resources   mean ms   p50 ms   max ms   heap MiB   retained KiB/run");
    for (const stack of STACKS) {
        const config = readStackConfig(stack);
        const first = await runStack({ stack, config });
        global.gc?.();
        const heapBefore = process.memoryUsage().heapUsed;
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
            const start = performance.now();
            await runStack({ stack, config });
            times.push(performance.now() - start);
        }
        global.gc?.();
        times.sort((a, b) => a - b);
        const mean = times.reduce((a, b) => a + b, 0) / times.length;
        const heap = process.memoryUsage().heapUsed;
        // What one run leaves behind in this process (the SDK's runtime state under mocks); a
        // `pulumi up` runs the program once, so this matters to the test suite, not to operators.
        const retained = (heap - heapBefore) / runs / 1024;
        console.log(`${stack.padEnd(9)} ${String(first.resources.length).padStart(9)} ${mean.toFixed(1).padStart(9)} `
            + `${times[Math.floor(times.length / 2)].toFixed(1).padStart(8)} ${times[times.length - 1].toFixed(1).padStart(8)} `
            + `${(heap / 2 ** 20).toFixed(1).padStart(10)} ${retained.toFixed(0).padStart(18)}`);
    }
    console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
}

main(Number(process.argv[2] ?? 20)).catch((error) => {
    console.error(error);
    process.exit(1);
});
