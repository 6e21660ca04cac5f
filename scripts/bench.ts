// Benchmark: what evaluating the program costs, beside the floor: an empty Pulumi program (no
// resources, one export: tools/emptyProgram.ts) evaluated the same way, in the same run. Every figure
// comes from fresh processes (wall time; CPU time and peak RSS through tools/benchProbe.js), run
// round-robin so that a busy machine weighs on the program and its floor alike; figures are medians.
// On a shared machine the CPU time is the steadier figure: wall time also counts waiting for a core.
//   npm run bench [-- <rounds>]        (default 5)
// preview: the program as `pulumi preview` evaluates it (tools/pulumiRun.js: @pulumi/pulumi's cmd/run
//          entry and run.js, ts-node set up from tsconfig.json), against Pulumi's mock monitor.
// plan:    `npm run plan -- <stack>` (scripts/plan.ts through the mock harness).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { CATALOG_SERVICES } from "../lib/exposureCatalog";
import { PROJECT_DIR } from "../tools/mockRuntime";
import { readStackConfig } from "../tools/stackConfig";

const STACKS = ["dev", "staging", "prod"];
/** Control-plane nodes, on dev's config: each node is labelled (NodePatch) and read back (Node). */
const NODE_SERIES = [3, 30, 100, 300];
/** Exposed services: the default two, half the exposure catalog, all of it. */
const SERVICES_SERIES = [2, Math.ceil(CATALOG_SERVICES.length / 2), CATALOG_SERVICES.length];
const FLOOR_PROGRAM = path.join(PROJECT_DIR, "tools", "emptyProgram.ts");
const PROBE = path.join(PROJECT_DIR, "tools", "benchProbe.js");
const TS_NODE = require.resolve("ts-node/dist/bin.js");

interface Case {
    group: "preview" | "plan";
    label: string;
    /** node's arguments after the RSS probe, and the config the preview path hands the program. */
    args: string[];
    config?: Record<string, string>;
    goal?: string;
}

interface Sample { ms: number; cpuMs: number; rssMiB: number; resources: number }

function previewCase(label: string, program: string, stack: string, config: Record<string, string>, goal?: string): Case {
    return { group: "preview", label, args: [path.join(PROJECT_DIR, "tools", "pulumiRun.js"), program, stack], config, goal };
}

function planCase(label: string, stack: string, program?: string, goal?: string): Case {
    return { group: "plan", label, args: [TS_NODE, "--transpile-only", "scripts/plan.ts", stack, ...(program ? ["--program", program] : [])], goal };
}

function withNodes(config: Record<string, string>, count: number): Record<string, string> {
    const controlPlane = Array.from({ length: count }, (_, i) => `node-${i + 1}`);
    return { ...config, "taco:nodes": JSON.stringify({ controlPlane }) };
}

/** The first `count` services of the exposure catalog exposed on dev's config (keystone and horizon first). */
function withServices(config: Record<string, string>, count: number): Record<string, string> {
    const exposure = JSON.parse(config["taco:exposure"]);
    const services = Object.fromEntries(CATALOG_SERVICES.slice(0, count).map((service) => [service, {}]));
    return { ...config, "taco:exposure": JSON.stringify({ ...exposure, services }) };
}

function cases(): Case[] {
    const dev = readStackConfig("dev");
    return [
        previewCase("floor", FLOOR_PROGRAM, "dev", dev),
        ...STACKS.map((stack) => previewCase(stack, "index.ts", stack, readStackConfig(stack), "≤ 1.35×")),
        ...NODE_SERIES.map((count) => previewCase(`nodes ${count}`, "index.ts", "dev", withNodes(dev, count), count === 300 ? "≤ 2.5×" : undefined)),
        ...SERVICES_SERIES.map((count) => previewCase(`services ${count}`, "index.ts", "dev", withServices(dev, count))),
        planCase("floor", "dev", FLOOR_PROGRAM),
        ...STACKS.map((stack) => planCase(stack, stack, undefined, stack === "staging" ? undefined : "≤ 1.35×")),
    ];
}

function measure(c: Case, probeFile: string): Sample {
    const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", TACO_BENCH_PROBE_FILE: probeFile };
    if (c.config) env.PULUMI_CONFIG = JSON.stringify(c.config);
    const start = performance.now();
    const result = spawnSync(process.execPath, ["-r", PROBE, ...c.args], { cwd: PROJECT_DIR, env, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    const ms = performance.now() - start;
    if (result.status !== 0) throw new Error(`${c.group} ${c.label} exited ${result.status}:\n${result.stderr}`);
    const count = /^resources (\d+)$/m.exec(result.stdout) ?? /^Stack \S+: (\d+) resources$/m.exec(result.stdout);
    if (!count) throw new Error(`${c.group} ${c.label} printed no resource count:\n${result.stdout.slice(0, 2000)}`);
    const probe: { maxRSS: number; cpuMs: number } = JSON.parse(fs.readFileSync(probeFile, "utf8"));
    return { ms, cpuMs: probe.cpuMs, rssMiB: probe.maxRSS / 1024, resources: Number(count[1]) };
}

const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function main(rounds: number): void {
    const all = cases();
    const probeFile = path.join(os.tmpdir(), `taco-bench-probe-${process.pid}`);
    const samples = new Map<Case, Sample[]>(all.map((c) => [c, []]));
    const cpus = os.cpus();
    console.log(`node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model.trim() ?? "?"}, `
        + `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${os.loadavg()[0].toFixed(1)} at start`);
    console.log(`${rounds} rounds, each running every case once in a fresh process; medians, and each `
        + `× floor the median of every round's ratio to that round's floor\n`);
    try {
        for (let round = 1; round <= rounds; round++) {
            for (const c of all) samples.get(c)!.push(measure(c, probeFile));
            process.stderr.write(`round ${round}/${rounds} done\n`);
        }
    } finally {
        fs.rmSync(probeFile, { force: true });
    }

    for (const group of ["preview", "plan"] as const) {
        console.log(group === "preview"
            ? "preview: evaluated as `pulumi preview` runs it (cmd/run, ts-node from tsconfig.json), under mocks"
            : "plan: `npm run plan -- <stack>` (the mock harness)");
        console.log("case        resources   wall ms  × floor    CPU ms  × floor   peak RSS MiB  × floor   goal");
        const inGroup = all.filter((c) => c.group === group);
        const figures = new Map(inGroup.map((c) => {
            const runs = samples.get(c)!;
            return [c, {
                ms: median(runs.map((s) => s.ms)), cpuMs: median(runs.map((s) => s.cpuMs)),
                rss: median(runs.map((s) => s.rssMiB)), resources: runs[0].resources,
            }];
        }));
        // Paired by round: a machine that slows down for a while slows a case and its floor alike.
        const floorRuns = samples.get(inGroup[0])!;
        const ratio = (c: Case, key: "ms" | "cpuMs" | "rssMiB") =>
            median(samples.get(c)!.map((sample, round) => sample[key] / floorRuns[round][key])).toFixed(2).padStart(7);
        for (const c of inGroup) {
            const f = figures.get(c)!;
            console.log(`${c.label.padEnd(11)} ${String(f.resources).padStart(9)} ${f.ms.toFixed(0).padStart(9)} ${ratio(c, "ms")}×`
                + ` ${f.cpuMs.toFixed(0).padStart(9)} ${ratio(c, "cpuMs")}×`
                + ` ${f.rss.toFixed(0).padStart(14)} ${ratio(c, "rssMiB")}×   ${c.goal ?? ""}`);
        }
        const series = inGroup.filter((c) => c.label.startsWith("nodes "));
        if (series.length > 1) {
            const steps = series.slice(1).map((c, i) => {
                const [from, to] = [Number(series[i].label.slice(6)), Number(c.label.slice(6))];
                const per = (key: "ms" | "cpuMs") => ((figures.get(c)![key] - figures.get(series[i])![key]) / (to - from)).toFixed(1);
                return `${from}→${to}: ${per("ms")} ms wall, ${per("cpuMs")} ms CPU`;
            });
            console.log(`each further control-plane node (linear if these agree): ${steps.join(", ")}`);
        }
        console.log("");
    }
}

main(Number(process.argv[2] ?? 5));
