// Runs the real program (index.ts) under Pulumi's mock runtime and records what it registers:
// every resource with its parent, dependencies and inputs as the engine would receive them (secret
// leaves still marked secret), and the stack outputs. The offline plan, the tests and the benchmark
// all run the program through here, so they see exactly what `pulumi preview` would send.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";

/** The wire marker of a secret value (`{ [SIG_KEY]: SECRET_SIG, value }`). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
    type: string;
    name: string;
    urn: string;
    /** URN of the parent resource; the stack's URN for top-level resources. */
    parent: string;
    /** URNs of the resources it explicitly depends on (dependsOn, and Outputs it consumed). */
    dependencies: string[];
    custom: boolean;
    /** Read with `.get` rather than created. */
    read: boolean;
    /** The id a read asked for (the object's name, or namespace/name). */
    id?: string;
    /** Inputs as serialized for the engine: secrets are `{ [SIG_KEY]: SECRET_SIG, value }`. */
    inputs: Record<string, unknown>;
}

export interface StackRun {
    resources: RecordedResource[];
    /** Stack outputs as serialized for the engine (secrets marked as in `inputs`). */
    outputs: Record<string, unknown>;
}

export interface RunOptions {
    stack: string;
    /** Stack config as Pulumi holds it: full keys, structured values as JSON text. */
    config: Record<string, string>;
    /** State the cluster would return when a resource is read (Node.get), by type and id. */
    readState?: (type: string, id: string) => Record<string, unknown> | undefined;
    /** The program to run; index.ts by default. */
    program?: string;
}

export const PROJECT_DIR = path.resolve(__dirname, "..");
const PROGRAM = path.join(PROJECT_DIR, "index.ts");

/**
 * Runs the program once. Outputs a provider would compute are not invented, with one exception:
 * outputs a resource declares secret (`additionalSecretOutputs`, e.g. RandomPassword.result) get a
 * stand-in value, marked secret as the engine would mark the real one, so that printing masks it.
 */
export async function runStack(options: RunOptions): Promise<StackRun> {
    const resources: RecordedResource[] = [];
    const secretOutputs = new Map<string, string[]>();
    const key = (type: string, name: string) => `${type}::${name}`;

    await pulumi.runtime.setMocks({
        newResource: (args: pulumi.runtime.MockResourceArgs) => {
            // Only reads carry an id here; what a read returns comes from the caller, never invented.
            const state: Record<string, unknown> = { ...args.inputs, ...(args.id ? options.readState?.(args.type, args.id) : {}) };
            for (const output of secretOutputs.get(key(args.type, args.name)) ?? []) {
                state[output] = pulumi.secret(`stand-in:${args.name}:${output}`);
            }
            return { id: args.id || `${args.name}-id`, state };
        },
        call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
    }, "taco", options.stack, false);

    const monitor = pulumi.runtime.getMonitor() as any;
    const record = (req: any, read: boolean) => {
        const type: string = req.getType();
        const name: string = req.getName();
        resources.push({
            type, name, read,
            urn: monitor.newUrn(req.getParent(), type, name),
            parent: req.getParent(),
            dependencies: req.getDependenciesList(),
            custom: read || req.getCustom(),
            ...(read ? { id: req.getId() } : {}),
            inputs: (read ? req.getProperties() : req.getObject())?.toJavaScript() ?? {},
        });
        if (!read) secretOutputs.set(key(type, name), req.getAdditionalsecretoutputsList());
    };
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => { record(req, false); return registerResource(req, callback); };
    const readResource = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, callback: any) => { record(req, true); return readResource(req, callback); };
    let outputs: Record<string, unknown> = {};
    const registerResourceOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: any) => {
        if (req.getUrn().includes("::pulumi:pulumi:Stack::")) outputs = req.getOutputs()?.toJavaScript() ?? {};
        return registerResourceOutputs(req, callback);
    };

    pulumi.runtime.setAllConfig(options.config);
    const program = require.resolve(options.program ?? PROGRAM);
    delete require.cache[program];
    await pulumi.runtime.runInPulumiStack(async () => require(program));
    // Each run loads the program afresh; Node would otherwise keep every earlier copy (and all
    // it registered) reachable as a child of this module.
    delete require.cache[program];
    module.children.splice(0, module.children.length, ...module.children.filter((child) => child.id !== program));
    await waitForRegistrations();
    return { resources, outputs };
}

/** Waits until the runtime has sent every pending registration to the (mock) monitor. */
export function waitForRegistrations(): Promise<void> {
    // Marked @internal in the SDK's types, but it is how the SDK itself waits for the last registrations.
    return (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

export function isSecret(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** The value with every secret marker replaced by `mask(value)`. */
export function revealOrMask(value: unknown, mask: (secret: unknown) => unknown): unknown {
    if (isSecret(value)) return mask(value.value);
    if (Array.isArray(value)) return value.map((item) => revealOrMask(item, mask));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealOrMask(v, mask)]));
    }
    return value;
}
