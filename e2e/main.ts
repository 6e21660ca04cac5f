// The end-to-end test: the real Pulumi CLI and Kubernetes provider against a real API server with
// kwok's fake nodes, on every committed stack.
//   npm run e2e -- build              build the toolchain from Go modules (cached)
//   npm run e2e -- <stack>... | all   run stacks (root: it makes a network namespace)
// TACO_E2E_CHARTS=<dir> gives the charts (see docs/e2e.md); without it only previews run.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as Yaml from "yaml";
import { Cluster } from "./cluster";
import { Phase, runStack } from "./stack";
import { binDirectory, buildToolchain, missingBinaries, toolchainReport } from "./toolchain";

const PROJECT = path.join(__dirname, "..");
const STACKS = fs.readdirSync(PROJECT).map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1]).filter((stack): stack is string => !!stack).sort();
const INSIDE = "--inside-namespace";

async function main(args: string[]): Promise<number> {
    if (args.length === 0 || args.includes("--help")) {
        console.log(`usage: npm run e2e -- build | all | <stack>...   (stacks: ${STACKS.join(", ")})`);
        return args.length === 0 ? 2 : 0;
    }
    if (args[0] === "build") return build();
    if (args[0] === INSIDE) return inside(args.slice(1));
    const stacks = args.includes("all") ? STACKS : args;
    const unknown = stacks.filter((stack) => !STACKS.includes(stack));
    if (unknown.length > 0) {
        console.error(`e2e: no stack ${unknown.join(", ")} (stacks: ${STACKS.join(", ")})`);
        return 2;
    }
    if (process.getuid?.() !== 0) {
        console.error("e2e: needs root (it runs the cluster in a network namespace)");
        return 2;
    }
    if (missingBinaries().length > 0 && build() !== 0) return 1;
    return inNamespace(stacks);
}

function build(): number {
    const started = Date.now();
    const missing = missingBinaries();
    try {
        const seconds = buildToolchain((line) => console.log(`e2e: ${line}`));
        const total = (Date.now() - started) / 1000;
        const kind = missing.length === 0 ? "warm (all cached)" : `built ${missing.join(", ")}`;
        console.log(`e2e: toolchain in ${binDirectory()}: ${kind}, ${total.toFixed(1)} s` +
            ` (${Object.entries(seconds).map(([tool, s]) => `${tool} ${s} s`).join(", ")})`);
        return 0;
    } catch (error) {
        console.error(error instanceof Error ? error.message : error);
        return 1;
    }
}

/**
 * Re-runs this script inside a network namespace of its own, and deletes the namespace (and every
 * process left in it) when the run ends, however it ends.
 */
async function inNamespace(stacks: string[]): Promise<number> {
    const namespace = `taco-e2e-${process.pid}`;
    const ip = (...args: string[]) => spawnSync("ip", args, { stdio: "inherit" }).status === 0;
    if (!ip("netns", "add", namespace) || !ip("-n", namespace, "link", "set", "lo", "up")) return 1;
    const cleanup = () => {
        const pids = spawnSync("ip", ["netns", "pids", namespace], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
        for (const pid of pids) try { process.kill(Number(pid), "SIGKILL"); } catch { /* gone */ }
        spawnSync("ip", ["netns", "del", namespace]);
    };
    const child = spawn("ip", ["netns", "exec", namespace, process.execPath, ...process.execArgv, __filename, INSIDE, ...stacks], {
        stdio: "inherit",
        env: process.env,
    });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    process.on("SIGINT", forward("SIGINT"));
    process.on("SIGTERM", forward("SIGTERM"));
    const code = await new Promise<number>((resolve) => child.on("close", (status) => resolve(status ?? 1)));
    cleanup();
    return code;
}

async function inside(stacks: string[]): Promise<number> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "taco-e2e-"));
    const bin = binDirectory();
    const charts = process.env.TACO_E2E_CHARTS ? path.resolve(process.env.TACO_E2E_CHARTS) : undefined;
    for (const line of toolchainReport()) console.log(`e2e: ${line}`);
    console.log(`e2e: charts: ${charts ?? "none (TACO_E2E_CHARTS unset): preview only"}; scratch ${scratch}`);
    const phases: Phase[] = [];
    const clusters: Cluster[] = [];
    let interrupted = false;
    const stopAll = async () => { for (const cluster of clusters) await cluster.stop(); };
    const onSignal = () => { interrupted = true; void stopAll().then(() => process.exit(130)); };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        for (const stack of stacks) {
            if (interrupted) break;
            const stackDir = path.join(scratch, stack);
            fs.mkdirSync(stackDir, { recursive: true });
            const cluster = new Cluster(clusterSpecOf(stack), stackDir, bin);
            clusters.push(cluster);
            try {
                await cluster.start((line) => console.log(`e2e: ${stack}: ${line}`));
                await runStack({ stack, projectDir: PROJECT, scratch: stackDir, bin, cluster, charts }, (phase) => {
                    phases.push(phase);
                    console.log(`e2e: ${stack}: ${phase.phase}: ${phase.verdict} (${phase.seconds.toFixed(1)} s)` +
                        (phase.detail ? `\n  ${phase.detail.split("\n").join("\n  ")}` : ""));
                });
            } catch (error) {
                phases.push({ stack, phase: "cluster", verdict: "FAIL", seconds: 0, proven: [], unprovable: [], detail: String(error) });
                console.error(`e2e: ${stack}: ${String(error)}`);
            } finally {
                await cluster.stop();
            }
        }
    } finally {
        await stopAll();
    }
    console.log(summary(phases));
    const failed = phases.filter((phase) => phase.verdict === "FAIL").length;
    if (failed === 0 && !process.env.TACO_E2E_KEEP) fs.rmSync(scratch, { recursive: true, force: true });
    else console.log(`e2e: logs kept in ${scratch}`);
    return failed === 0 ? 0 : 1;
}

/** What the stack's config says the cluster must have: its nodes, node-port range, classes, issuers. */
function clusterSpecOf(stack: string) {
    const text = fs.readFileSync(path.join(PROJECT, `Pulumi.${stack}.yaml`), "utf8");
    const config = (Yaml.parse(text) as { config?: Record<string, any> }).config ?? {};
    const services = Object.values(config["taco:services"] ?? {}) as { persistence?: { storageClass?: string } }[];
    const issuer = config["taco:exposure"]?.ingress?.tls?.clusterIssuer as string | undefined;
    return {
        controlPlane: (config["taco:nodes"]?.controlPlane ?? []) as string[],
        nodePortRange: (config["taco:exposure"]?.nodePort?.range ?? "30000-32767") as string,
        storageClasses: [...new Set(services.map((service) => service.persistence?.storageClass).filter((name): name is string => !!name))],
        clusterIssuers: issuer ? [issuer] : [],
    };
}

function summary(phases: Phase[]): string {
    const rows = phases.map((phase) => `| ${phase.stack} | ${phase.phase} | ${phase.verdict} | ${phase.seconds.toFixed(1)} | ` +
        `${phase.proven.join("; ") || "—"} | ${(phase.verdict === "not run" ? phase.detail : phase.unprovable.join("; ")) || "—"} |`);
    const count = (verdict: string) => phases.filter((phase) => phase.verdict === verdict).length;
    return [
        "",
        "## End-to-end summary",
        "",
        ...toolchainReport().map((line) => `- ${line}`),
        "",
        "| stack | phase | result | s | proven against the API server | not proven (why) |",
        "|---|---|---|---|---|---|",
        ...rows,
        "",
        `e2e: ${count("pass")} passed, ${count("FAIL")} failed, ${count("not run")} not run (not counted as passed)`,
    ].join("\n");
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    console.error(error);
    process.exit(1);
});
