// What both labs share: network namespaces with a unique prefix, a bridge that lives in a namespace
// of its own, processes started inside namespaces, and a cleanup that runs however the lab ends
// (normal exit, error, SIGINT/SIGTERM, its own time limit). Nothing is created in the root namespace.
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import type { ProbeReport } from "./prober";

/** Every lab namespace is named `tacolab-<pid>-<name>`, so runs never collide and leftovers are ours. */
const PREFIX = "tacolab-";

export interface RunResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

export interface Daemon {
    name: string;
    child: ChildProcess;
    /** Output lines as they arrived, each with the time (ms, performance clock) it arrived. */
    lines: { at: number; text: string }[];
    exited: Promise<number | null>;
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across the lab's processes. */
export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Lab {
    readonly prefix = `${PREFIX}${process.pid}-`;
    readonly dir: string;
    private readonly namespaces: string[] = [];
    private readonly daemons: Daemon[] = [];
    private cleaned = false;

    /** `limitSeconds`: the whole run is aborted (and cleaned up) past this. */
    constructor(readonly title: string, limitSeconds: number) {
        if (process.getuid?.() !== 0) throw new Error("the lab needs root (network namespaces)");
        sweepLeftovers();
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), this.prefix));
        const abort = (why: string, code: number) => {
            console.error(`\n${title}: ${why}; cleaning up`);
            this.cleanup();
            process.exit(code);
        };
        process.once("SIGINT", () => abort("interrupted", 130));
        process.once("SIGTERM", () => abort("terminated", 143));
        process.once("exit", () => this.cleanup());
        setTimeout(() => abort(`time limit of ${limitSeconds} s reached`, 124), limitSeconds * 1000).unref();
    }

    ns(name: string): string {
        return `${this.prefix}${name}`;
    }

    addNamespace(name: string): string {
        const ns = this.ns(name);
        execFileSync("ip", ["netns", "add", ns]);
        this.namespaces.push(ns);
        this.sh(name, "ip link set lo up");
        return ns;
    }

    /** A bridge `br0` inside namespace `name`. */
    addBridge(name: string): void {
        this.addNamespace(name);
        this.sh(name, "ip link add br0 type bridge && ip link set br0 up");
    }

    /**
     * A veth pair: `ifname` inside namespace `node` with `address` (CIDR), its peer `port` attached
     * to the bridge of namespace `bridge`.
     */
    plug(bridge: string, port: string, node: string, ifname: string, address: string): void {
        this.sh(bridge, `ip link add ${port} type veth peer name ${ifname} netns ${this.ns(node)}`
            + ` && ip link set ${port} master br0 up`);
        this.sh(node, `ip addr add ${address} dev ${ifname} && ip link set ${ifname} up`);
    }

    /** A point-to-point veth pair between two namespaces. */
    link(a: string, aIf: string, aAddress: string, b: string, bIf: string, bAddress: string): void {
        this.sh(a, `ip link add ${aIf} type veth peer name ${bIf} netns ${this.ns(b)}`);
        this.sh(a, `ip addr add ${aAddress} dev ${aIf} && ip link set ${aIf} up`);
        this.sh(b, `ip addr add ${bAddress} dev ${bIf} && ip link set ${bIf} up`);
    }

    /** Runs a shell command inside namespace `name`; throws on a non-zero exit unless `check` is false. */
    sh(name: string, command: string, options: { check?: boolean; env?: Record<string, string>; timeoutMs?: number } = {}): RunResult {
        const result = spawnSync("ip", ["netns", "exec", this.ns(name), "sh", "-c", command], {
            encoding: "utf8", env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 30_000,
        });
        if ((options.check ?? true) && result.status !== 0) {
            throw new Error(`[${name}] ${command}: exit ${result.status}\n${result.stdout}${result.stderr}`);
        }
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    /**
     * Starts a long-running process inside namespace `ns` (or the root namespace when undefined,
     * for processes that create no traffic). It dies with the lab even on SIGKILL (pdeathsig).
     */
    start(name: string, ns: string | undefined, argv: string[], env: Record<string, string> = {}): Daemon {
        const inNs = ns ? ["ip", "netns", "exec", this.ns(ns)] : [];
        const child = spawn("setpriv", ["--pdeathsig", "KILL", ...inNs, ...argv], {
            env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"],
        });
        const lines: Daemon["lines"] = [];
        for (const stream of [child.stdout, child.stderr]) {
            let rest = "";
            stream.setEncoding("utf8");
            stream.on("data", (chunk: string) => {
                const at = now();
                const parts = (rest + chunk).split("\n");
                rest = parts.pop() ?? "";
                for (const text of parts) lines.push({ at, text });
            });
        }
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null))));
        const daemon = { name, child, lines, exited };
        this.daemons.push(daemon);
        return daemon;
    }

    /** Sends `signal` to a started process and waits (bounded) for it to exit. */
    async stop(daemon: Daemon, signal: NodeJS.Signals = "SIGTERM", waitMs = 5000): Promise<void> {
        if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
        daemon.child.kill(signal);
        const timer = sleep(waitMs).then(() => "timeout");
        if (await Promise.race([daemon.exited.then(() => "exited"), timer]) === "timeout") {
            daemon.child.kill("SIGKILL");
            await daemon.exited;
        }
    }

    /** Polls `probe` every `everyMs` until it returns a value, or throws after `limitMs`. */
    async until<T>(what: string, limitMs: number, probe: () => T | undefined | false, everyMs = 5): Promise<T> {
        const deadline = now() + limitMs;
        for (;;) {
            const value = probe();
            if (value !== undefined && value !== false) return value;
            if (now() > deadline) throw new Error(`${what}: not within ${limitMs} ms`);
            await sleep(everyMs);
        }
    }

    /** `node` and a lab script (lab/<name>.ts) transpiled once to JavaScript: quick to start. */
    script(name: string): string[] {
        const file = path.join(this.dir, `${name}.js`);
        if (!fs.existsSync(file)) {
            const source = fs.readFileSync(path.join(__dirname, `${name}.ts`), "utf8");
            fs.writeFileSync(file, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
        }
        return [process.execPath, file];
    }

    /**
     * Starts the prober (lab/prober.ts) in namespace `ns`; `stop()` ends it and returns its report.
     * `path` is the HTTP request path; see prober.ts for what it measures.
     */
    probe(ns: string, target: { host: string; port: number; path: string }, settings: { intervalMs: number; flows: number; timeoutMs: number }) {
        const prober = this.start(`${ns}/prober`, ns, [...this.script("prober"), target.host, String(target.port), target.path,
            String(settings.intervalMs), String(settings.flows), String(settings.timeoutMs)]);
        return {
            stop: async (): Promise<ProbeReport> => {
                await this.stop(prober, "SIGTERM");
                const last = prober.lines.filter((line) => line.text.startsWith("{")).pop();
                if (!last) throw new Error(`the prober printed no report:\n${prober.lines.map((line) => line.text).join("\n")}`);
                return JSON.parse(last.text) as ProbeReport;
            },
        };
    }

    file(name: string, text: string): string {
        const file = path.join(this.dir, name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        return file;
    }

    /** Kills what the lab started, deletes its namespaces and files. Idempotent, synchronous. */
    cleanup(): void {
        if (this.cleaned) return;
        this.cleaned = true;
        for (const daemon of this.daemons) {
            if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGKILL");
        }
        for (const ns of [...this.namespaces].reverse()) deleteNamespace(ns);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Deletes a namespace after killing whatever still runs inside it. */
function deleteNamespace(ns: string): void {
    const pids = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout.split(/\s+/).filter(Boolean);
    for (const pid of pids) {
        try {
            process.kill(Number(pid), "SIGKILL");
        } catch { /* already gone */ }
    }
    spawnSync("ip", ["netns", "del", ns]);
}

/**
 * What earlier lab runs left behind when killed with SIGKILL (no cleanup could run; the daemons
 * that drop privileges, like FRR's, also lose the parent-death signal): their namespaces, with
 * whatever still runs inside, and their files. Only runs whose process is gone.
 */
function sweepLeftovers(): void {
    const deadRun = (name: string) => {
        const pid = Number(name.slice(PREFIX.length).split("-")[0]);
        return name.startsWith(PREFIX) && Number.isInteger(pid) && pid > 0 && !isAlive(pid);
    };
    const names = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.split("\n").map((line) => line.split(" ")[0]);
    for (const ns of names.filter(deadRun)) deleteNamespace(ns);
    for (const dir of fs.readdirSync(os.tmpdir()).filter(deadRun)) fs.rmSync(path.join(os.tmpdir(), dir), { recursive: true, force: true });
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** Median of numbers (undefined for none). */
export function median(values: number[]): number | undefined {
    if (values.length === 0) return undefined;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Prints rows as a fixed-width table. */
export function printTable(header: string[], rows: string[][]): void {
    const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i].length)));
    const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
    console.log(line(header));
    console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
    for (const row of rows) console.log(line(row));
}
