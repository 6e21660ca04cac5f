// What the tests share: running the program with a config, finding what it registered, and the
// reference copies of the charts' values.yaml files.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { format } from "util";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { archiveName, bundledCharts } from "../lib/chartBundle";
import { readArchivedFile } from "../lib/chartPull";
import { PROJECT_DIR, RecordedResource, revealOrMask, runStack, StackRun, waitForRegistrations } from "../tools/mockRuntime";
import { nodeReadState, readStack } from "../tools/stackConfig";
import { planCommand } from "../scripts/plan";
import { CommandIO } from "../tools/command";

export { isSecret } from "../tools/mockRuntime";

/** Stack config in the form a stack file has it: `{ "taco:exposure": { mode: "nodeport" } }`. */
export type StackValues = Record<string, unknown>;

export function toPulumiConfig(values: StackValues): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([key, value]) =>
        [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

export interface Run extends StackRun {
    /** The one resource of this type (suffix of the type token is enough) and name; throws if absent. */
    get(type: string, name: string): RecordedResource;
    find(type: string, name: string): RecordedResource | undefined;
    all(type: string): RecordedResource[];
    /** A Helm release's values with secrets unwrapped (`secret(...)` markers gone). */
    values(release: string): Record<string, any>;
    /** Outputs with secrets unwrapped. */
    plainOutputs(): Record<string, any>;
}

/** The three controller nodes of the article's lab. */
export const LAB_NODES = ["ctrl-1", "ctrl-2", "ctrl-3"];

/**
 * What the cluster holds, for the reads the program makes at preview. A kind left out is taken to
 * hold whatever is read (with no state); a kind given holds only what is listed, and reading
 * anything else fails as the provider's read does.
 */
export interface ClusterState {
    /** Node name → InternalIP. */
    nodes?: Record<string, string>;
    storageClasses?: string[];
    /** ClusterIssuer name → spec. */
    clusterIssuers?: Record<string, Record<string, unknown>>;
}

export interface RunChoices {
    stack?: string;
    nodeIPs?: Record<string, string>;
    cluster?: ClusterState;
    secretKeys?: string[];
    /** Run the program even if the same run is memoized: for a test that inspects the mock monitor after it. */
    fresh?: boolean;
}

export async function run(values: StackValues = {}, options: RunChoices = {}): Promise<Run> {
    const stack = options.stack ?? "test";
    const config = toPulumiConfig(values);
    const cluster: ClusterState = { ...options.cluster, ...(options.nodeIPs ? { nodes: options.nodeIPs } : {}) };
    const secretKeys = options.secretKeys ?? (values["taco:secrets"] === undefined ? [] : ["taco:secrets"]);
    return memoized([stack, config, cluster, secretKeys], options.fresh, () => failingLikePulumi(() => runStack({
        stack, config, secretKeys, readState: clusterReadState(cluster),
    })));
}

export async function runStackFile(stack: string): Promise<Run> {
    const stackConfig = readStack(stack);
    return memoized([stack, stackConfig], false, () => failingLikePulumi(() => runStack({ stack, ...stackConfig })));
}

/**
 * A failed read or a failed check inside an Output rejects a promise nobody awaits; the Pulumi
 * language host fails the program on such an unhandled rejection, the mock runtime does not. So a
 * run that leaves one behind fails here as `pulumi preview` would, with its message.
 */
async function failingLikePulumi<T>(start: () => Promise<T>): Promise<T> {
    const rejections: unknown[] = [];
    const record = (reason: unknown) => { rejections.push(reason); };
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    process.on("unhandledRejection", record);
    try {
        const result = await start();
        await settle();
        if (rejections.length > 0) throw rejections[0] instanceof Error ? rejections[0] : new Error(String(rejections[0]));
        return result;
    } catch (error) {
        // A program that throws while it is loaded rejects the run and, once more, a promise of the
        // runtime's that nobody awaits: absorb that echo here, or the next run would report it.
        await settle();
        throw error;
    } finally {
        process.off("unhandledRejection", record);
    }
}

/**
 * Tests that assert on the same config share one run of the program (a run is what the suite
 * spends its time on). Each caller gets its own copy, so no test sees what another changed; a run
 * that fails is not kept, so every failure comes from a run of its own.
 */
const runs = new Map<string, Promise<StackRun>>();

async function memoized(key: unknown, fresh: boolean | undefined, runProgram: () => Promise<StackRun>): Promise<Run> {
    const id = JSON.stringify(key);
    let pending = fresh ? undefined : runs.get(id);
    if (!pending) {
        pending = runProgram();
        runs.set(id, pending);
        pending.catch(() => runs.delete(id));
    }
    return wrap(structuredClone(await pending));
}

function clusterReadState(cluster: ClusterState) {
    const missing = (kind: string, id: string) => {
        throw new Error(`${kind} "${id}" not found (the provider: resource '${id}' does not exist)`);
    };
    return (type: string, id: string): Record<string, unknown> | undefined => {
        if (type === "kubernetes:core/v1:Node" && cluster.nodes) {
            return nodeReadState({ [id]: cluster.nodes[id] ?? missing("nodes", id) })(type, id);
        }
        if (type === "kubernetes:storage.k8s.io/v1:StorageClass" && cluster.storageClasses) {
            return cluster.storageClasses.includes(id) ? { metadata: { name: id }, provisioner: "test" } : missing("storageclasses.storage.k8s.io", id);
        }
        if (type === "kubernetes:cert-manager.io/v1:ClusterIssuer" && cluster.clusterIssuers) {
            const spec = cluster.clusterIssuers[id] ?? missing("clusterissuers.cert-manager.io", id);
            return { metadata: { name: id }, spec };
        }
        return undefined;
    };
}

export const unwrap = (value: unknown) => revealOrMask(value, (secret) => secret);

function wrap(stackRun: StackRun): Run {
    const matches = (type: string) => (r: RecordedResource) => r.type === type || r.type.endsWith(`:${type}`);
    const self: Run = {
        ...stackRun,
        find: (type, name) => stackRun.resources.find((r) => matches(type)(r) && r.name === name),
        get: (type, name) => {
            const found = self.find(type, name);
            if (!found) throw new Error(`no ${type} named ${name}; registered: ${stackRun.resources.map((r) => `${r.type} ${r.name}`).join(", ")}`);
            return found;
        },
        all: (type) => stackRun.resources.filter(matches(type)),
        values: (release) => unwrap(self.get("kubernetes:helm.sh/v3:Release", release).inputs.values) as Record<string, any>,
        plainOutputs: () => unwrap(stackRun.outputs) as Record<string, any>,
    };
    return self;
}

export interface CommandResult {
    status: number;
    stdout: string;
    stderr: string;
}

/**
 * A script's command line (tools/command.ts) run in this process, as its process would: what it
 * prints, and its exit code. A command that fails has exited before the runtime's echo of a failed
 * program (a rejection nobody awaits) could reach it; one that succeeded would die of such a
 * rejection, as Node does by default.
 */
export async function runCommand(command: (io: CommandIO) => Promise<number>): Promise<CommandResult> {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const print = (lines: string[]) => (message: unknown) => { lines.push(`${format(message)}\n`); };
    const rejections: unknown[] = [];
    const record = (reason: unknown) => { rejections.push(reason); };
    process.on("unhandledRejection", record);
    let status: number;
    try {
        status = await command({ out: print(stdout), err: print(stderr) });
        await new Promise((resolve) => setImmediate(resolve));
    } finally {
        process.off("unhandledRejection", record);
    }
    if (status === 0 && rejections.length > 0) {
        print(stderr)(rejections[0]);
        status = 1;
    }
    return { status, stdout: stdout.join(""), stderr: stderr.join("") };
}

export interface PlanResult extends CommandResult {
    /** The plan/ directory that received <stack>/ (a scratch one, not the project's). */
    planRoot: string;
}

let scratchPlans: string | undefined;

/** `npm run plan -- <args>` (scripts/plan.ts) run in this process, writing into a scratch plan/ directory. */
export async function planInProcess(args: string[]): Promise<PlanResult> {
    if (!scratchPlans) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "taco-plan-"));
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
        scratchPlans = dir;
    }
    const planRoot = path.join(fs.mkdtempSync(path.join(scratchPlans, "run-")), "plan");
    return { ...await runCommand((io) => planCommand(args, { ...io, planRoot })), planRoot };
}

/** URNs the mock monitor of the latest run registered, the stack itself left out. */
export async function registeredByLastRun(): Promise<string[]> {
    await waitForRegistrations();
    const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
    return [...monitor.getRegisteredResources().keys()].filter((urn) => !urn.includes("::pulumi:pulumi:Stack::"));
}

/** Runs `fn`, expecting it to reject; returns the error's message. */
export async function failure(fn: () => Promise<unknown>): Promise<string> {
    try {
        await fn();
    } catch (error) {
        return (error as Error).message;
    }
    throw new Error("expected a failure, but it succeeded");
}

/**
 * The reference copies of the charts' values.yaml (`shared/reference` beside the project, as CI
 * lays it out). Tests that need them fail under CI when they are missing and are skipped elsewhere.
 */
export function referenceDir(): string | undefined {
    const candidates = [process.env.TACO_REFERENCE_DIR, path.resolve(__dirname, "..", "..", "shared", "reference")];
    return candidates.find((dir): dir is string => !!dir && fs.existsSync(path.join(dir, "openstack-helm", "KEYS.md")));
}

export function requireReference(context: Mocha.Context): string {
    const dir = referenceDir();
    if (dir) return dir;
    // A hosted runner has no shared/reference but pulls the pinned charts (.github/workflows/checks.yml).
    if (process.env.CI && !pulledChartsDir()) throw new Error("shared/reference is missing beside the project; CI lays it out there");
    context.skip();
    throw new Error("unreachable");
}

/** Charts pulled by `npm run charts -- pull` (`TACO_CHARTS_DIR`, or `.charts/` in the project), if any. */
export function pulledChartsDir(): string | undefined {
    const dir = process.env.TACO_CHARTS_DIR ?? path.join(PROJECT_DIR, ".charts");
    return fs.existsSync(dir) && fs.readdirSync(dir).some((file) => file.endsWith(".tgz")) ? dir : undefined;
}

const announced = new Set<string>();

/**
 * The values.yaml of a chart at the version the program pins: from the pulled charts when present
 * (unpacked `<chart>/` or `<chart>-<version>.tgz`), else from shared/reference. Says once which.
 */
export function pinnedChartValues(context: Mocha.Context, chart: string): Record<string, any> {
    const pin = bundledCharts().find((entry) => entry.chart === chart);
    if (!pin) throw new Error(`${chart} is not a chart the program pins`);
    const pulled = pulledChartsDir();
    const text = pulled && readPulledValues(pulled, chart, pin.version);
    const source = text ? `pulled charts in ${path.relative(process.cwd(), pulled) || "."}` : "shared/reference";
    if (!announced.has(source)) {
        announced.add(source);
        console.log(`      (chart values.yaml from ${source})`);
    }
    if (text) return parseYaml(text);
    const reference = requireReference(context);
    const file = path.join(reference, ...(fs.existsSync(path.join(reference, "openstack-helm", chart))
        ? ["openstack-helm", chart] : ["controllers", chart, pin.version]), "values.yaml");
    return readYaml(file);
}

function readPulledValues(dir: string, chart: string, version: string): string | undefined {
    const unpacked = path.join(dir, chart);
    if (fs.existsSync(path.join(unpacked, "Chart.yaml")) && readYaml(path.join(unpacked, "Chart.yaml")).version === version) {
        return fs.readFileSync(path.join(unpacked, "values.yaml"), "utf8");
    }
    const archive = path.join(dir, archiveName(chart, version));
    return fs.existsSync(archive) ? readArchivedFile(archive, `${chart}/values.yaml`) : undefined;
}

export function readYaml(file: string): Record<string, any> {
    return parseYaml(fs.readFileSync(file, "utf8"));
}

/**
 * Parses YAML text once per distinct text: many tests read the same charts' values.yaml, and
 * parsing them again was a tenth of the suite. Keyed by the text itself, so an edited file is
 * parsed afresh; each caller gets its own copy.
 */
const parsedYaml = new Map<string, unknown>();

function parseYaml(text: string): Record<string, any> {
    if (!parsedYaml.has(text)) parsedYaml.set(text, YAML.parse(text));
    return structuredClone(parsedYaml.get(text)) as Record<string, any>;
}

/**
 * Whether `dotted` may be set in a chart whose defaults are `defaults`: the path exists there, or
 * its deepest existing ancestor is an empty map the templates range over (`extraArgs: {}`,
 * `nodeSelector: {}`), or it is one of `lookups` (keys templates read without a default in the file).
 */
export function pathAllowed(defaults: Record<string, any>, dotted: string, lookups: readonly string[] = []): boolean {
    if (lookups.includes(dotted)) return true;
    let node: any = defaults;
    for (const key of dotted.split(".")) {
        if (node !== null && typeof node === "object" && !Array.isArray(node) && key in node) {
            node = node[key];
            continue;
        }
        return node !== null && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 0;
    }
    return true;
}
