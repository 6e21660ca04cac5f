// What the tests share: running the program with a config, finding what it registered, and the
// reference copies of the charts' values.yaml files.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RecordedResource, revealOrMask, runStack, StackRun } from "../tools/mockRuntime";
import { readStackConfig } from "../tools/stackConfig";

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

export interface RunChoices {
    stack?: string;
    nodeIPs?: Record<string, string>;
    /** Run the program even if the same run is memoized: for a test that inspects the mock monitor after it. */
    fresh?: boolean;
}

export async function run(values: StackValues = {}, options: RunChoices = {}): Promise<Run> {
    const stack = options.stack ?? "test";
    const config = toPulumiConfig(values);
    return memoized([stack, config, options.nodeIPs ?? null], options.fresh, () => runStack({
        stack, config, readState: options.nodeIPs ? nodeReadState(options.nodeIPs) : undefined,
    }));
}

export async function runStackFile(stack: string): Promise<Run> {
    const config = readStackConfig(stack);
    return memoized([stack, config, null], false, () => runStack({ stack, config }));
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

function nodeReadState(ips: Record<string, string>) {
    return (type: string, id: string) => type === "kubernetes:core/v1:Node" && ips[id]
        ? { status: { addresses: [{ type: "Hostname", address: id }, { type: "InternalIP", address: ips[id] }] } }
        : undefined;
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
    if (process.env.CI) throw new Error("shared/reference is missing beside the project; CI lays it out there");
    context.skip();
    throw new Error("unreachable");
}

export function readYaml(file: string): Record<string, any> {
    return YAML.parse(fs.readFileSync(file, "utf8"));
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
